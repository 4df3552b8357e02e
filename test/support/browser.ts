import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
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
