import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** The dashboard's sources: a Preact app with its own tsconfig (DOM, JSX). */
export const DASHBOARD_SOURCE_DIR = fileURLToPath(new URL('./app/', import.meta.url));

/**
 * Builds the dashboard into `outDir` with Vite's JS API (used by `npm run build` and the browser
 * tests). The output is plain files: one HTML page, hashed JS and CSS, nothing from a CDN.
 */
export async function buildDashboard(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: DASHBOARD_SOURCE_DIR,
    base: '/',
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir,
      emptyOutDir: true,
      // The strict CSP allows no inline code; the polyfill is for browsers older than the target.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      reportCompressedSize: false,
      target: 'es2022',
    },
  });
}
