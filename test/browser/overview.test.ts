// The Overview page (issue 17, part 4) in a real browser: its charts render under the dashboard's
// strict CSP without a single violation, and an unhealthy credential leads to its Reconnect.
// HOSTPASS_SCREENSHOTS=docs/screenshots also saves the README's screenshot of it on the way.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardBrowser } from '../support/browser.ts';
import {
  connectCredential,
  createZoomUser,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

let world: ZoomWorld;
let context: BrowserContext;
let page: Page;
let tempDir: string;
const consoleProblems: string[] = [];
const screenshotDir = process.env.HOSTPASS_SCREENSHOTS;

/** What the page's own listener saw (see the init script below). */
const violations = () => page.evaluate<string[]>('(window.__cspViolations ?? []).slice()');

beforeAll(async () => {
  const browser = await dashboardBrowser('hostpass-overview-', { width: 1200, height: 900 });
  tempDir = browser.tempDir;
  world = await startZoomWorld({ env: { HOSTPASS_DASHBOARD_DIR: browser.dashboardDir } });
  context = await browser.launch();
  // Every CSP violation of every document, in the document itself, before any of its scripts run.
  // (Strings, not functions: the tests compile without the DOM's types.)
  await context.addInitScript({
    content: `window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI + ' ' + event.sourceFile));`,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  page.on('console', (message) => {
    if (message.type() === 'error') consoleProblems.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleProblems.push(error.message));
});

afterAll(async () => {
  await context?.close();
  await world?.close();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
});

const poll = <T>(check: () => Promise<T> | T) => expect.poll(check, { timeout: 15_000 });

describe('Overview page', () => {
  it('draws the fleet and the last 24 hours as charts, with no CSP violation, and links an unhealthy credential to its Reconnect', async () => {
    // A connected host, a few tokens, and a second host who removes the app in Zoom.
    const connected = await registerApp(world, 'user_level', { published: true });
    const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
    await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.webhook_url });
    const host = await createZoomUser(world);
    const meeting = await world.zoom.createMeeting({ host_id: host.id });
    await connectCredential(world, connected, host.id);
    await eventually(async () => {
      const mapped = await world.hostpass.api(
        `/api/v2/zoom-meetings-to-credentials/?meeting_id=${meeting.id}`,
      );
      return mapped.body.results.length > 0 ? true : undefined;
    }, 'the meeting sync');
    const minted = await world.hostpass.api('/api/v2/zoom-tokens/', {
      method: 'POST',
      json: { meeting_id: Number(meeting.id), kinds: ['join_token', 'zak'] },
    });
    expect(minted.status, minted.text).toBe(200);
    const leaving = await createZoomUser(world);
    const lost = await connectCredential(world, connected, leaving.id);
    await world.zoom.deauthorize(connected.zoomApp.client_id, leaving.id);
    await eventually(async () => {
      const credential = (
        await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${lost.body.id}/`)
      ).body;
      // The first sync may notice the revoked grant first; wait for the deauthorization itself.
      return credential.status_reason?.includes('removed the app') ? true : undefined;
    }, 'the deauthorization');

    // Sign in: the dashboard opens on the Overview.
    await page.goto(`${world.hostpass.url}/`);
    await page.getByLabel('API key').fill(world.hostpass.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview');
    expect(
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Overview' })
        .getAttribute('aria-current'),
    ).toBe('page');

    // The fleet: two credentials, one of them unhealthy.
    await poll(() => page.locator('.tile', { hasText: 'Credentials' }).textContent()).toContain(
      '2',
    );
    expect(await page.locator('.tile', { hasText: 'Unhealthy' }).textContent()).toContain('1');

    // Four charts, each a uPlot canvas with something drawn on it.
    const charts = page.locator('figure.chart');
    await poll(() => charts.locator('canvas').count()).toBe(4);
    const tokens = charts.filter({ hasText: 'Tokens minted' });
    expect(await tokens.locator('figcaption').textContent()).toMatch(/Join: 1.*ZAK: 1/);
    expect(await tokens.getByRole('img').getAttribute('aria-label')).toContain('Join 1');
    // Pixels painted on the tokens chart's canvas (axes, grid and the series' line).
    const drawn = await page.evaluate<number>(`(() => {
      const chart = [...document.querySelectorAll('figure.chart')]
        .find((figure) => figure.textContent.includes('Tokens minted'));
      const canvas = chart.querySelector('canvas');
      if (canvas.width === 0 || canvas.height === 0) return 0;
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted += 1;
      return painted;
    })()`);
    expect(drawn).toBeGreaterThan(100);
    // uPlot's own stylesheet came with the bundle: its cursor overlay sits over the canvas.
    expect(
      await page.evaluate(
        `getComputedStyle(document.querySelector('figure.chart .u-over')).position`,
      ),
    ).toBe('absolute');

    if (screenshotDir) {
      await mkdir(screenshotDir, { recursive: true });
      await page.screenshot({ path: path.join(screenshotDir, 'overview.png'), fullPage: true });
    }

    // The unhealthy credential, with its reason, leads to its page and the Reconnect button.
    const entry = page.locator('.unhealthy-list li');
    await poll(() => entry.count()).toBe(1);
    expect(await entry.textContent()).toContain('removed the app');
    await entry.getByRole('link', { name: 'Reconnect' }).click();
    await poll(() => page.url()).toBe(`${world.hostpass.url}/credentials/${lost.body.id}`);
    await poll(() => page.getByRole('button', { name: 'Reconnect' }).count()).toBe(1);

    // Back to the Overview; then: nothing the CSP refused, nothing in the console.
    await page.goBack();
    await poll(() => page.locator('figure.chart canvas').count()).toBe(4);
    expect(await violations()).toEqual([]);
    expect(consoleProblems).toEqual([]);

    // The listener is live: an inline style the CSP forbids is reported (the check can fail).
    await page.evaluate(`document.body.setAttribute('style', 'color: red')`);
    await poll(async () => (await violations()).length).toBeGreaterThan(0);
  });
});
