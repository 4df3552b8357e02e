import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildDashboard } from '../../src/dashboard/build.ts';

const CHROMIUM = '/usr/bin/chromium';

/**
 * A temporary directory with a fresh dashboard build (`dashboardDir`, for HOSTPASS_DASHBOARD_DIR)
 * and a headless Debian Chromium (playwright-core) with its profile there.
 */
export async function dashboardBrowser(
  prefix: string,
  viewport: { width: number; height: number },
): Promise<{ tempDir: string; dashboardDir: string; launch(): Promise<BrowserContext> }> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get update && apt-get install -y chromium`);
  const tempDir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const dashboardDir = path.join(tempDir, 'dashboard');
  await buildDashboard(dashboardDir);
  return {
    tempDir,
    dashboardDir,
    launch: () =>
      chromium.launchPersistentContext(path.join(tempDir, 'profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-quic',
          '--no-first-run',
          '--disable-component-update',
          '--disable-sync',
        ],
        viewport,
      }),
  };
}

/**
 * The context's page, watched: every CSP violation of every document (recorded in the document
 * itself, before any of its scripts run) and every script error or console error, except failed
 * loads (an API answering 4xx is expected).
 */
export async function watchedPage(context: BrowserContext): Promise<{
  page: Page;
  problems: string[];
  violations(): Promise<string[]>;
}> {
  // Strings, not functions: the tests compile without the DOM's types.
  await context.addInitScript({
    content: `window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI + ' ' + event.sourceFile));`,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !text.startsWith('Failed to load resource'))
      problems.push(`${page.url()}: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return {
    page,
    problems,
    violations: () => page.evaluate<string[]>('(window.__cspViolations ?? []).slice()'),
  };
}
