// The Webhooks page (issue 12, part 4) in a real browser: an endpoint created through the form
// against a local receiver, its secret revealed, a test event delivered and retried from the
// delivery log, the endpoint disabled (by Hostpass and by hand) with the banner saying why, all
// under the dashboard's strict CSP without a violation. The receiver verifies every delivery
// with the reference `standardwebhooks` library.
// HOSTPASS_SCREENSHOTS=docs/screenshots also saves the README's screenshots on the way.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardBrowser, watchedPage } from '../support/browser.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { startZoomWorld, type ZoomWorld } from '../support/zoom-world.ts';

const screenshotDir = process.env.HOSTPASS_SCREENSHOTS;

let world: ZoomWorld;
let receiver: WebhookReceiver;
let context: BrowserContext;
let page: Page;
let tempDir: string;
let watched: Awaited<ReturnType<typeof watchedPage>>;

beforeAll(async () => {
  const browser = await dashboardBrowser('hostpass-webhooks-', { width: 1200, height: 900 });
  tempDir = browser.tempDir;
  world = await startZoomWorld({
    env: {
      HOSTPASS_DASHBOARD_DIR: browser.dashboardDir,
      // The 5 days of a real deployment, shortened: an endpoint is disabled at its first failure.
      HOSTPASS_WEBHOOK_DISABLE_AFTER_SECONDS: '0',
    },
  });
  receiver = await startWebhookReceiver();
  context = await browser.launch();
  watched = await watchedPage(context);
  page = watched.page;
  if (screenshotDir) await mkdir(screenshotDir, { recursive: true });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await receiver?.close();
  await world?.close();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
});

async function screenshot(name: string) {
  if (!screenshotDir) return;
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/** `expect.poll` with room for a loaded machine (its default gives up after one second). */
const poll = <T>(check: () => Promise<T> | T) => expect.poll(check, { timeout: 15_000 });
const heading = () => page.getByRole('heading', { level: 1 });
const fieldError = (name: string) => page.locator(`.field:has([name="${name}"]) .field-error`);
const logRows = () => page.getByRole('region', { name: 'Deliveries' }).locator('tbody tr');
const banner = () => page.locator('.notice', { hasText: 'This endpoint is disabled' });

describe('Webhooks page', () => {
  it('creates an endpoint, sends a test event, retries it from the log, and shows why it is disabled', {
    timeout: 120_000,
  }, async () => {
    // Sign in (the page is ready when its form is: no fixed wait for the load event).
    await page.goto(`${world.hostpass.url}/`, { waitUntil: 'domcontentloaded' });
    await page.getByLabel('API key').fill(world.hostpass.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => heading().textContent()).toBe('Overview');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Webhooks' })
      .click();
    await poll(() => heading().textContent()).toBe('Webhooks');
    await poll(() => page.getByText('No webhook endpoints yet').count()).toBe(1);

    // A URL the API refuses: its message under the field.
    await page.getByLabel('URL').fill('not a url');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await poll(() => fieldError('url').textContent()).toContain('is not a valid URL');

    // The receiver, for two event types picked from the catalog.
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('Description').fill('ops pager');
    await page.getByRole('checkbox', { name: /Every event type/ }).uncheck();
    await page.getByRole('checkbox', { name: /credential\.unhealthy/ }).check();
    await page.getByRole('checkbox', { name: /bot\.status_changed/ }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secretField = page.getByRole('textbox', { name: 'Signing secret' });
    await poll(() => secretField.inputValue()).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const secret = await secretField.inputValue();
    receiver.secrets.push(secret);
    const listed = (await world.hostpass.api('/api/v2/webhook-endpoints/')).body.results;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      url: receiver.url,
      description: 'ops pager',
      event_types: ['credential.unhealthy', 'bot.status_changed'],
      disabled: false,
    });
    const row = page.locator('tbody tr', { hasText: receiver.url });
    await poll(() => row.textContent()).toContain('enabled');
    await screenshot('webhooks');

    // Its page: the secret is revealed on request only.
    await row.getByRole('link', { name: receiver.url }).click();
    await poll(() => heading().textContent()).toBe('ops pager');
    expect(await page.getByRole('textbox', { name: 'Signing secret' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    await poll(() => page.getByRole('textbox', { name: 'Signing secret' }).inputValue()).toBe(
      secret,
    );
    await poll(() => page.getByText('No deliveries yet').count()).toBe(1);

    // A new secret: from now on every delivery verifies with the old and with the new one.
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await poll(() => page.getByText('New secret made').count()).toBe(1);
    const rotated = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    receiver.secrets.push(rotated);

    // A test event: delivered, in the log with the fields a person debugging needs.
    await page.getByRole('button', { name: 'Send test event' }).click();
    await poll(() => page.locator('.notice', { hasText: 'Test event' }).textContent()).toContain(
      'delivered: HTTP 204',
    );
    const [first] = await receiver.waitFor('webhook.test');
    const webhookId = first?.headers['webhook-id'] ?? '';
    expect(webhookId).toMatch(/^msg_/);
    await poll(() => logRows().count()).toBe(1);
    const logRow = logRows().first();
    const logText = await logRow.textContent();
    for (const expected of ['webhook.test', webhookId, 'delivered', 'HTTP 204', ' ms'])
      expect(logText).toContain(expected);
    expect(
      await page.getByRole('region', { name: 'Deliveries' }).locator('thead th').allTextContents(),
    ).toEqual([
      'Event',
      'Webhook ID',
      'Attempt',
      'Status',
      'Response',
      'Duration',
      'Next attempt',
      'Actions',
    ]);

    // Retry: sent again with the same webhook-id; the log counts the second attempt.
    await logRow.getByRole('button', { name: /^Retry/ }).click();
    const attempts = await receiver.waitFor('webhook.test', 2);
    expect(attempts.map((entry) => entry.headers['webhook-id'])).toEqual([webhookId, webhookId]);
    await poll(() => logRow.locator('td').nth(2).textContent()).toBe('2');
    await poll(() => logRow.textContent()).toContain('delivered');
    await screenshot('webhook-detail');

    // The receiver fails: Hostpass disables the endpoint, and the banner says why.
    receiver.answers.push({ status: 500, body: 'down for maintenance' });
    await page.getByRole('button', { name: 'Send test event' }).click();
    await poll(() => banner().count()).toBe(1);
    const reason = (await world.hostpass.api(`/api/v2/webhook-endpoints/${listed[0].id}/`)).body
      .disabled_reason;
    expect(reason).toMatch(/^Disabled after failing to deliver/);
    expect(await banner().textContent()).toContain(reason);
    expect(await page.locator('.page-head .badge').textContent()).toBe('disabled');
    await poll(() => logRows().count()).toBe(2);
    // Its last attempt failed, and none is due: a disabled endpoint gets no more.
    const failedRow = logRows().first();
    await poll(() => failedRow.textContent()).toContain('failed');
    expect(await failedRow.textContent()).toContain('HTTP 500');
    expect(await failedRow.locator('td').nth(6).textContent()).toBe('—');
    const log = await world.hostpass.api(`/api/v2/webhook-endpoints/${listed[0].id}/deliveries/`);
    expect(log.body.results[0]).toMatchObject({
      status: 'failed',
      attempt: 1,
      response_status_code: 500,
      next_attempt_at: null,
    });
    await screenshot('webhook-disabled');

    // Enabled again, then disabled by hand: the banner says so.
    await banner().getByRole('button', { name: 'Enable endpoint' }).click();
    await poll(() => banner().count()).toBe(0);
    await poll(() => page.locator('.page-head .badge').textContent()).toBe('enabled');
    await page.getByRole('button', { name: 'Disable endpoint' }).click();
    await poll(() => banner().textContent()).toContain('turned off by hand');
    expect(
      (await world.hostpass.api(`/api/v2/webhook-endpoints/${listed[0].id}/`)).body,
    ).toMatchObject({ disabled: true, disabled_reason: null });

    // Nothing the CSP refused, nothing in the console; every delivery verified.
    expect(await watched.violations()).toEqual([]);
    expect(watched.problems).toEqual([]);
    expect(receiver.unverified).toEqual([]);
    // The listener is live: an inline style the CSP forbids is reported (the check can fail).
    await page.evaluate(`document.body.setAttribute('style', 'color: red')`);
    await poll(async () => (await watched.violations()).length).toBeGreaterThan(0);
  });
});
