import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { DASHBOARD_SECTIONS } from './sections.ts';

export interface DashboardRoutesOptions {
  /** The Vite build output: index.html, assets/, favicon. */
  dashboardDir: string;
}

/**
 * Everything the dashboard does goes through the public API with the user's key, so the page
 * itself never needs inline code or another origin: a strict policy costs nothing and turns an
 * injection bug into a blocked request.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hostpass</title></head>' +
  '<body><h1>The dashboard is not built</h1><p>Run <code>npm run build</code> (or <code>npm start</code>, ' +
  'which builds first), then reload this page. The API works without it: see <a href="/docs">/docs</a>.</p></body></html>';

/** The web UI at `/`: built assets from `dashboardDir`, index.html for its client-side routes. */
export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (
  app,
  { dashboardDir },
) => {
  app.addHook('onSend', async (_request, reply) => {
    reply
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      // Connect links and credential ids in the URL stay on this server.
      .header('referrer-policy', 'no-referrer');
  });

  const built = existsSync(path.join(dashboardDir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: dashboardDir,
      // One route per built file: nothing else is served from the directory.
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders(reply, filePath) {
        // Vite puts a content hash in every asset name: they never change under the same URL.
        reply.header(
          'cache-control',
          filePath.includes(`${path.sep}assets${path.sep}`)
            ? 'public, max-age=31536000, immutable'
            : 'no-cache',
        );
      },
    });
  }

  const sendPage = (reply: FastifyReply) =>
    built
      ? reply.header('cache-control', 'no-cache').sendFile('index.html')
      : reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);

  // Client-side routes: `/` and everything under a section, so a reload or a shared link works.
  const page = { schema: { hide: true } };
  app.get('/', page, async (_request, reply) => sendPage(reply));
  for (const section of DASHBOARD_SECTIONS) {
    app.get(section.path, page, async (_request, reply) => sendPage(reply));
    app.get(`${section.path}/*`, page, async (_request, reply) => sendPage(reply));
  }
};
