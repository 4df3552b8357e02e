// The dashboard in a real browser (Debian's Chromium driven by playwright-core), against a real
// Hostpass and the Zoom emulator, down to clicking "Allow" on the emulator's consent page.
// HOSTPASS_SCREENSHOTS=docs/screenshots also saves the README's screenshots on the way.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_LEVEL_SCOPES } from '../../emulator/scopes.ts';
import { dashboardBrowser } from '../support/browser.ts';
import { request } from '../support/hostpass.ts';
import {
  createZoomUser,
  eventually,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const screenshotDir = process.env.HOSTPASS_SCREENSHOTS;

let world: ZoomWorld;
let context: BrowserContext;
let page: Page;
let tempDir: string;
const browserProblems: string[] = [];

beforeAll(async () => {
  const browser = await dashboardBrowser('hostpass-browser-', { width: 1100, height: 760 });
  tempDir = browser.tempDir;
  world = await startZoomWorld({
    env: { HOSTPASS_DASHBOARD_DIR: browser.dashboardDir, HOSTPASS_BOT_RUNNER: 'emulator' },
  });
  context = await browser.launch();
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  // Any CSP violation or script error on Hostpass's own pages fails the suite at the end.
  page.on('console', (message) => {
    // Failed loads are expected (a bad key's 401); "Refused to …" (CSP) and script errors are not.
    const text = message.text();
    if (message.type() === 'error' && !text.startsWith('Failed to load resource'))
      browserProblems.push(`${page.url()}: ${text}`);
  });
  page.on('pageerror', (error) => browserProblems.push(error.message));
  if (screenshotDir) await mkdir(screenshotDir, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await world?.close();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
});

async function screenshot(name: string, options: { fullPage?: boolean } = {}) {
  if (!screenshotDir) return;
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), ...options });
}

/** `expect.poll` with room for a loaded machine (its default gives up after one second). */
const poll = <T>(check: () => Promise<T> | T) => expect.poll(check, { timeout: 15_000 });

/** The message shown under a form field, found through the field's own input. */
const fieldError = (name: string) => page.locator(`.field:has([name="${name}"]) .field-error`);
const heading = () => page.getByRole('heading', { level: 1 });

let zoomApp: { id: string; client_id: string; client_secret: string; webhook_secret: string };
let hostpassAppId: string;
let credentialId: string;
let syncedMeetingUrl: string | undefined;

describe('dashboard', () => {
  it('is served with a strict CSP, while unknown API paths stay JSON 404s', async () => {
    const index = await request(`${world.hostpass.url}/credentials/some-client-route`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(index.text).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>/);
    const api = await request(`${world.hostpass.url}/api/v2/no-such-thing/`);
    expect(api.status).toBe(404);
    expect(api.body).toEqual({ detail: 'Not found.' });
  });

  it('refuses a bad API key with a message next to the field', async () => {
    await page.goto(`${world.hostpass.url}/`);
    await poll(() => heading().textContent()).toBe('Sign in');
    await screenshot('sign-in');
    await page.getByLabel('API key').fill('hp_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => fieldError('api_key').textContent()).toContain(
      'Hostpass did not accept this API key',
    );
    expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
  });

  it('signs in with a good key, kept in sessionStorage only', async () => {
    await page.getByLabel('API key').fill(world.hostpass.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The dashboard opens on the Overview; the apps are one click away.
    await poll(() => heading().textContent()).toBe('Overview');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Apps' })
      .click();
    await poll(() => heading().textContent()).toBe('Zoom OAuth apps');
    await poll(() => page.getByText('No Zoom OAuth apps yet').count()).toBe(1);
    const stored = await page.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: localStorage.length,
    }));
    expect(stored).toEqual({ session: [world.hostpass.apiKey], local: 0 });
  });

  it("shows the API's validation errors next to the fields that caused them", async () => {
    await page.getByRole('link', { name: 'Create your first app' }).click();
    await poll(() => heading().textContent()).toBe('Create a Zoom OAuth app');
    await page.getByLabel('Client ID').fill('x'.repeat(201));
    await page.getByLabel('Secret Token').fill('some-secret-token');
    await page.getByRole('button', { name: 'Create app' }).click();
    await poll(() => fieldError('client_id').textContent()).toContain(
      'no more than 200 characters',
    );
    expect(await fieldError('client_secret').textContent()).toContain('This field is required.');
    expect(await fieldError('webhook_secret').count()).toBe(0);
    expect(await page.getByLabel('Client ID').getAttribute('aria-invalid')).toBe('true');
    await screenshot('create-app-errors');
  });

  it('creates an app through the form; the page shows its webhook URL, then "validated"', async () => {
    zoomApp = await world.zoom.createApp({
      kind: 'user_level',
      redirect_uris: [`${world.hostpass.url}/oauth/zoom/callback`],
      scopes: [...USER_LEVEL_SCOPES],
    });
    await page.getByLabel('Client ID').fill(zoomApp.client_id);
    await page.getByLabel('Client Secret').fill(zoomApp.client_secret);
    await page.getByLabel('Secret Token').fill(zoomApp.webhook_secret);
    await page.getByRole('button', { name: 'Create app' }).click();
    await poll(() => heading().textContent()).toBe(zoomApp.client_id);
    hostpassAppId = new URL(page.url()).pathname.split('/')[2] ?? '';

    const webhookUrl = await page.getByLabel('Webhook URL').inputValue();
    expect(webhookUrl).toBe(
      `${world.hostpass.url}/api/v2/zoom-oauth-apps/${hostpassAppId}/webhook`,
    );
    const badge = page.locator('.validation .badge');
    expect(await badge.textContent()).toBe('not validated');

    // The developer pastes the URL into Zoom; Zoom validates it before saving.
    await world.zoom.updateApp(zoomApp.id, { event_url: webhookUrl });
    await poll(() => badge.textContent()).toBe('validated');
    expect(await page.locator('.validation').textContent()).toContain('Zoom validated this URL');
    await screenshot('app-detail', { fullPage: true });
  });

  it('makes a Connect link that goes through Zoom consent and back to a healthy credential', async () => {
    const user = await createZoomUser(world);
    await page.getByRole('button', { name: 'Create Connect link' }).click();
    const link = await page.getByLabel('Connect link to send').inputValue();
    expect(link.startsWith(`${world.hostpass.url}/oauth/zoom/connect/`)).toBe(true);

    await page.getByRole('link', { name: 'Open link' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${world.emulator.url}/oauth/authorize`));
    await page.locator(`input[name="user_id"][value="${user.id}"]`).check();
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.waitForURL(
      (url) => url.pathname === '/credentials' && url.searchParams.has('credential_id'),
    );
    credentialId = new URL(page.url()).searchParams.get('credential_id') ?? '';
    await poll(() => page.getByText('Zoom connected.').count()).toBe(1);
    // Issue 13 item 14: named by the person, not by a Zoom user id.
    const name = `${user.first_name} ${user.last_name} <${user.email}>`;
    const row = page.locator('tr', { has: page.getByRole('link', { name, exact: true }) });
    await poll(() => row.locator('.badge').first().textContent()).toBe('healthy');
    await screenshot('credentials');

    await page.getByRole('link', { name: 'Open the new credential' }).click();
    await poll(() => heading().textContent()).toBe(name);
    expect(await page.locator('.page-head .badge').first().textContent()).toBe('healthy');
    const details = await page.locator('dl.details').textContent();
    expect(details).toContain(`${user.first_name} ${user.last_name} (${user.email})`);
    expect(details).toContain(user.id);
    const stored = await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${credentialId}/`);
    expect(stored.body).toMatchObject({
      status: 'healthy',
      user_id: user.id,
      oauth_app: hostpassAppId,
    });
  });

  it('validates a credential and shows its logs', async () => {
    await page.getByRole('button', { name: 'Validate' }).click();
    await poll(() => page.getByText('Validated: Hostpass checked').count()).toBe(1);
    await eventually(
      async () =>
        (await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${credentialId}/`)).body
          .meeting_sync_status === 'in_progress'
          ? undefined
          : true,
      'the first meeting sync to settle',
    );
    await page.reload();
    await poll(() => page.locator('.logs li').count()).toBeGreaterThan(0);
    await screenshot('credential-detail', { fullPage: true });
  });

  it('looks up a meeting ID or link (or says the server has no meeting sync yet)', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Meetings' }).click();
    await poll(() => heading().textContent()).toBe('Meetings');
    const input = page.getByLabel('Meeting ID or Zoom link');
    await input.fill('https://zoom.us/my/someone');
    await page.getByRole('button', { name: 'Find the host' }).click();
    await poll(() => fieldError('meeting').textContent()).toContain('Personal links');

    const user = (await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${credentialId}/`)).body;
    const zoomUser = await world.zoom.getUser(user.user_id);
    await input.fill(`https://us02web.zoom.us/j/${zoomUser.pmi}?pwd=abc`);
    await page.getByRole('button', { name: 'Find the host' }).click();
    const available =
      (await world.hostpass.api(`/api/v2/zoom-meetings-to-credentials/?meeting_id=${zoomUser.pmi}`))
        .status !== 404;
    if (available) {
      const row = page.locator('main tr', { hasText: String(zoomUser.pmi) });
      await poll(() => row.getByRole('link').textContent()).toBe(
        `${user.zoom_user.display_name} <${user.zoom_user.email}>`,
      );
      expect(await row.locator('.badge').textContent()).toBe('healthy');
      syncedMeetingUrl = `https://us02web.zoom.us/j/${zoomUser.pmi}?pwd=abc`;

      // A test token, as a bot would get it: only its start is on the page.
      await page.getByRole('button', { name: 'Mint a test token' }).click();
      const minted = page.locator('.minted-token');
      await poll(() => minted.locator('.masked-token').textContent()).toMatch(/^.{8}…$/);
      expect(await minted.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(await minted.textContent()).toContain('Expires');
    } else {
      await poll(() => page.locator('.notice').textContent()).toContain(
        'not available on this server yet',
      );
    }
    await screenshot('meetings');
  });

  it('diagnoses a pasted link: the verdict, then each check with what it found and, when failed, the fix', async () => {
    expect(syncedMeetingUrl, 'the Meetings test found a synced meeting').toBeDefined();
    await page.getByRole('navigation').getByRole('link', { name: 'Diagnose' }).click();
    await poll(() => heading().textContent()).toBe('Diagnose');
    const input = page.getByLabel('Zoom link or meeting ID');

    // Empty: the API's own message, under the field.
    await page.getByRole('button', { name: 'Diagnose' }).click();
    await poll(() => fieldError('meeting_url').count()).toBe(1);

    await input.fill(syncedMeetingUrl ?? '');
    await page.getByRole('button', { name: 'Diagnose' }).click();
    const verdict = page.locator('.verdict');
    await poll(() => verdict.locator('.badge').textContent()).toBe('records without asking');
    const checks = page.locator('.checks .check');
    expect(await checks.count()).toBeGreaterThanOrEqual(6);
    // This app's scopes do not include reading the host's settings: that check says it could not run.
    for (const failed of await page.locator('.check-failed').all()) {
      expect(await failed.getAttribute('data-check')).toBe('host_allows_local_recording');
      expect(await failed.textContent()).toContain('Not checked');
    }
    expect(await page.locator('[data-check="join_token_dry_run"]').textContent()).toContain(
      'threw it away',
    );
    expect(await verdict.getByRole('link').getAttribute('href')).toBe(
      `/credentials/${credentialId}`,
    );
    await screenshot('diagnose', { fullPage: true });

    await input.fill('https://meet.example.com/j/85012345678');
    await page.getByRole('button', { name: 'Diagnose' }).click();
    await poll(() => verdict.locator('.badge').textContent()).toBe('cannot tell');
    const failed = page.locator('.check-failed');
    expect(await failed.count()).toBe(1);
    expect(await failed.locator('.check-fix').textContent()).toContain('https://zoom.us/j/');
  });

  it('says what to do when there are no bots, and shows a bad meeting URL next to its field', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Bots' }).click();
    await poll(() => heading().textContent()).toBe('Bots');
    await poll(() => page.getByText('No bots yet').count()).toBe(1);
    await page.getByLabel('Meeting URL').fill('https://meet.example.com/abc');
    await page.getByRole('button', { name: 'Send bot' }).click();
    const refused = await world.hostpass.api('/api/v1/bot/', {
      method: 'POST',
      json: { meeting_url: 'https://meet.example.com/abc' },
    });
    expect(refused.status).toBe(400);
    await poll(() => fieldError('meeting_url').textContent()).toBe(
      refused.body.meeting_url.join(' '),
    );
    expect(await page.getByLabel('Meeting URL').getAttribute('aria-invalid')).toBe('true');
    expect(await fieldError('bot_name').count()).toBe(0);
  });

  it('sends a bot to a synced meeting and watches its timeline reach in_call_recording', async () => {
    expect(syncedMeetingUrl, 'the Meetings test found a synced meeting').toBeDefined();
    await page.getByLabel('Meeting URL').fill(syncedMeetingUrl ?? '');
    await page.getByLabel('Bot name').fill('Notetaker');
    await page.getByRole('button', { name: 'Send bot' }).click();
    await poll(() => heading().textContent()).toBe('Notetaker');
    const timeline = page.locator('.timeline');
    await poll(() => timeline.textContent()).toContain('in_call_recording');
    expect(await page.locator('.page-head .badge').textContent()).toBe('in_call_recording');
    expect(await page.getByRole('region', { name: 'Join plan' }).textContent()).toContain(
      'Join token',
    );
    await screenshot('bot-detail', { fullPage: true });

    await page.getByRole('link', { name: 'Bots', exact: true }).first().click();
    const row = page.locator('main tr', { hasText: 'Notetaker' });
    await poll(() => row.locator('.badge').textContent()).toBe('in_call_recording');
    await screenshot('bots', { fullPage: true });
  });

  it('shows app and credential logs', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Logs' }).click();
    await page.getByRole('link', { name: 'Credential logs' }).click();
    await poll(() => page.locator('.logs li').count()).toBeGreaterThan(0);
    await screenshot('logs');
  });

  it('reconnects an unhealthy credential: Reconnect makes a link, consent heals it, same id', async () => {
    const before = (await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${credentialId}/`))
      .body;
    // The user removes the app at Zoom (an unpublished app: no event); Validate finds out.
    await world.zoom.deauthorize(zoomApp.client_id, before.user_id);
    await page.goto(`${world.hostpass.url}/credentials/${credentialId}`);
    await page.getByRole('button', { name: 'Validate' }).click();
    await poll(() => page.locator('.page-head .badge').first().textContent()).toBe('unhealthy');
    expect(
      await page.locator('.notice', { hasText: 'Why it is unhealthy' }).textContent(),
    ).toContain('Connect link to reconnect');

    await page.getByRole('button', { name: 'Reconnect' }).click();
    const link = await page.getByLabel('Reconnect link to send').inputValue();
    expect(link.startsWith(`${world.hostpass.url}/oauth/zoom/connect/`)).toBe(true);
    expect(await page.getByRole('button', { name: 'Copy' }).count()).toBe(1);
    await screenshot('credential-reconnect', { fullPage: true });

    await page.getByRole('link', { name: 'Open link' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${world.emulator.url}/oauth/authorize`));
    await page.locator(`input[name="user_id"][value="${before.user_id}"]`).check();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(
      (url) => url.pathname === '/credentials' && url.searchParams.get('reconnected') === 'true',
    );
    expect(new URL(page.url()).searchParams.get('credential_id')).toBe(credentialId);
    await poll(() => page.getByText('Zoom reconnected').count()).toBe(1);
    await page.getByRole('link', { name: 'Open the credential' }).click();
    await poll(() => page.locator('.page-head .badge').first().textContent()).toBe('healthy');
    expect(await page.getByRole('button', { name: 'Reconnect' }).count()).toBe(0);
    const after = await world.hostpass.api(
      `/api/v2/zoom-oauth-credentials/${credentialId}/access-token/`,
    );
    expect(after.status).toBe(200);
  });

  it('creates an API key, shows it once, and asks before deleting it', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('production bots');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByLabel('New key "production bots"').inputValue();
    expect(
      (
        await request(`${world.hostpass.url}/api/v2/api-keys/`, {
          headers: { authorization: `Token ${key}` },
        })
      ).status,
    ).toBe(200);
    await screenshot('api-keys');

    const row = page.locator('tr', { hasText: 'production bots' });
    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await poll(() => dialog.getByRole('heading').textContent()).toBe(
      'Delete the key "production bots"?',
    );
    await dialog.getByRole('button', { name: 'Delete key' }).click();
    await poll(() => row.count()).toBe(0);
    expect(
      (
        await request(`${world.hostpass.url}/api/v2/api-keys/`, {
          headers: { authorization: `Token ${key}` },
        })
      ).status,
    ).toBe(401);
  });

  it('asks for confirmation before deleting, and Cancel keeps the credential', async () => {
    await page.goto(`${world.hostpass.url}/credentials/${credentialId}`);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain('Delete this credential?');
    await screenshot('delete-confirmation');
    await page.keyboard.press('Escape');
    await poll(() => dialog.isVisible()).toBe(false);
    expect(
      (await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${credentialId}/`)).status,
    ).toBe(200);

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete credential' }).click();
    await page.waitForURL((url) => url.pathname === '/credentials');
    expect(
      (await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${credentialId}/`)).status,
    ).toBe(404);
  });

  it('reads well on a narrow window', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${world.hostpass.url}/apps/${hostpassAppId}`);
    await poll(() => heading().textContent()).toBe(zoomApp.client_id);
    // A string runs in the page as is: the test's own tsconfig has no DOM types.
    const overflow = await page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBe(0);
    await screenshot('app-detail-narrow');
    await page.goto(`${world.hostpass.url}/bots`);
    await poll(() => page.locator('main tr', { hasText: 'Notetaker' }).count()).toBe(1);
    expect(
      await page.evaluate(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      ),
    ).toBe(0);
    await page.setViewportSize({ width: 1100, height: 760 });
  });

  it('pages through older log entries, and a key deleted elsewhere ends the session', async () => {
    // An app with more log entries than the page shows at once (50): each secret change is one.
    const { client } = world.hostpass;
    const created = await client.POST('/api/v2/zoom-oauth-apps/', {
      body: {
        kind: 'user_level',
        client_id: 'paging-app',
        client_secret: 'secret-0',
        webhook_secret: 'token-0',
      },
    });
    const appId = created.data?.id ?? '';
    expect(created.response.status).toBe(201);
    for (let change = 1; change <= 55; change += 1) {
      const patched = await client.PATCH('/api/v2/zoom-oauth-apps/{id}/', {
        params: { path: { id: appId } },
        body: { client_secret: `secret-${change}` },
      });
      expect(patched.response.status).toBe(200);
    }
    const logged = await client.GET('/api/v2/zoom-oauth-app-logs/', {
      params: { query: { oauth_app: appId, page_size: 200 } },
    });
    const total = logged.data?.results.length ?? 0;
    expect(total).toBeGreaterThan(50);

    await page.goto(`${world.hostpass.url}/logs?oauth_app=${appId}`);
    const entries = page.locator('.logs li');
    await poll(() => entries.count()).toBe(50);
    await page.getByRole('button', { name: 'Load older entries' }).click();
    await poll(() => entries.count()).toBe(total);
    expect(await page.getByRole('button', { name: 'Load older entries' }).count()).toBe(0);

    // Signed in with a key that is then deleted: the next call says so on the sign-in page.
    const key = await client.POST('/api/v2/api-keys/', { body: { name: 'short-lived' } });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').fill(key.data?.key ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => heading().textContent()).toBe('Logs');
    // The page's own calls finish first: one still in flight when the key goes would end the
    // session before the click this test makes (a 401 ends it wherever it happens).
    await poll(() => entries.count()).toBe(50);
    await page.waitForLoadState('networkidle');
    const deleted = await client.DELETE('/api/v2/api-keys/{id}/', {
      params: { path: { id: key.data?.id ?? '' } },
    });
    expect(deleted.response.status).toBe(204);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Apps' })
      .click();
    await poll(() => heading().textContent()).toBe('Sign in');
    expect(await page.getByText('Your API key stopped working').count()).toBe(1);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    // Back in with the workspace's key for what follows, on the page the session ended on.
    await page.getByLabel('API key').fill(world.hostpass.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => heading().textContent()).toBe('Zoom OAuth apps');
  });

  it('signs out and forgets the key', async () => {
    await page.goto(`${world.hostpass.url}/apps`);
    await screenshot('apps');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await poll(() => heading().textContent()).toBe('Sign in');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(browserProblems).toEqual([]);
  });
});
