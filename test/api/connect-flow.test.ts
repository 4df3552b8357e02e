import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, consent as consentAt, newBrowser } from '../support/connect-browser.ts';
import { request } from '../support/hostpass.ts';
import {
  createZoomUser,
  eventually,
  holdNextTokenRequest,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const RETURN_URL = 'https://customer.example/zoom/connected?tenant=42';
let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld();
});
afterAll(() => world.close());

/** An app at Zoom whose redirect URL is Hostpass's hosted callback, as the README says to register. */
async function connectApp(kind: 'user_level' | 'account_level' = 'user_level') {
  const connected = await registerApp(world, kind);
  await world.zoom.updateApp(connected.zoomApp.id, {
    redirect_uris: [`${world.hostpass.url}/oauth/zoom/callback`],
  });
  return connected;
}

/** A person on Zoom's consent page picks the user and clicks Allow (or Deny). */
const consent = (authorizeUrl: URL, userId: string, decision?: 'allow' | 'deny') =>
  consentAt(world.emulator.url, authorizeUrl, userId, decision);

/** One browser through the whole flow: open the link, consent at Zoom, back through Hostpass. */
async function connectThrough(browser: Browser, linkUrl: string, userId: string) {
  return browser.followCallback(await consent(await browser.openLink(linkUrl), userId));
}

async function newLink(appId: string, extra: Record<string, unknown> = {}) {
  const response = await world.hostpass.api('/api/v2/zoom-connect-links/', {
    method: 'POST',
    json: {
      oauth_app: appId,
      return_url: RETURN_URL,
      metadata: { customer_user: 'u-7' },
      ...extra,
    },
  });
  expect(response.status, response.text).toBe(201);
  return response.body as { id: string; url: string; expires_at: string };
}

/** An app, a Zoom user and a link, opened in a browser that consented at Zoom: the callback to follow. */
async function consentedAttempt() {
  const connected = await connectApp();
  const user = await createZoomUser(world);
  const created = await newLink(connected.app.id);
  const browser = newBrowser();
  const callback = await consent(await browser.openLink(created.url), user.id);
  return { connected, user, created, browser, callback };
}

const withCredential = (answers: { location: URL | null }[]) =>
  answers.filter((answer) => answer.location?.searchParams.has('credential_id'));

const link = (id: string) => world.hostpass.api(`/api/v2/zoom-connect-links/${id}/`);
const credentialsOf = async (appId: string) =>
  (await world.hostpass.api(`/api/v2/zoom-oauth-credentials/?oauth_app=${appId}`)).body.results as {
    id: string;
    status: string;
    user_id: string | null;
  }[];

describe('hosted Connect flow', () => {
  it('takes the end user through Zoom consent and back to return_url with a healthy credential', async () => {
    const connected = await connectApp();
    const user = await createZoomUser(world);
    const created = await newLink(connected.app.id);
    expect(created.url.startsWith(`${world.hostpass.url}/oauth/zoom/connect/`)).toBe(true);

    const browser = newBrowser();
    const opened = await browser.get(created.url);
    expect(opened.status).toBe(302);
    // The attempt is bound to this browser: a short-lived cookie only the callback receives.
    expect(opened.headers.getSetCookie()).toEqual([
      expect.stringMatching(
        /^hostpass_connect_[0-9a-f]{32}=[\w-]{43}; Max-Age=900; Path=\/oauth\/zoom\/callback; HttpOnly; SameSite=Lax$/,
      ),
    ]);
    const authorize = new URL(opened.headers.get('location') ?? '');
    expect(authorize.origin + authorize.pathname).toBe(`${world.emulator.url}/oauth/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(connected.zoomApp.client_id);
    expect(authorize.searchParams.get('redirect_uri')).toBe(
      `${world.hostpass.url}/oauth/zoom/callback`,
    );
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')?.length).toBeGreaterThan(30);

    const callback = await consent(authorize, user.id);
    expect(callback.origin + callback.pathname).toBe(`${world.hostpass.url}/oauth/zoom/callback`);
    const { location } = await browser.followCallback(callback);
    expect(location?.origin + (location?.pathname ?? '')).toBe(
      'https://customer.example/zoom/connected',
    );
    expect(location?.searchParams.get('tenant')).toBe('42');
    const credentialId = location?.searchParams.get('credential_id') ?? '';
    expect(location?.searchParams.get('connect_link_id')).toBe(created.id);
    expect(location?.searchParams.has('reconnected')).toBe(false);
    expect(browser.cookies().size).toBe(0);

    const credential = await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${credentialId}/`);
    expect(credential.body).toMatchObject({
      status: 'healthy',
      user_id: user.id,
      oauth_app: connected.app.id,
    });
    const stored = await link(created.id);
    expect(stored.body).toMatchObject({
      credential: credentialId,
      metadata: { customer_user: 'u-7' },
      url: null,
    });
    expect(stored.body.used_at).not.toBeNull();
  });

  it('keeps the link usable after a denial at Zoom', async () => {
    const connected = await connectApp();
    const user = await createZoomUser(world);
    const created = await newLink(connected.app.id);
    const browser = newBrowser();
    const denied = await browser.followCallback(
      await consent(await browser.openLink(created.url), user.id, 'deny'),
    );
    expect(denied.location?.searchParams.get('error')).toBe('access_denied');
    expect(denied.location?.searchParams.get('credential_id')).toBeNull();
    expect((await link(created.id)).body.used_at).toBeNull();

    // The user changes their mind and opens the same link again.
    const { location } = await connectThrough(browser, created.url, user.id);
    expect(location?.searchParams.get('credential_id')).toBeTruthy();
  });

  it('keeps the link usable when Zoom fails the code exchange (503, lost answer, invalid_grant)', async () => {
    const connected = await connectApp();
    const user = await createZoomUser(world);
    const created = await newLink(connected.app.id);
    const browser = newBrowser();

    await world.zoom.addFault({
      path_pattern: '/oauth/token',
      method: 'POST',
      status: 503,
      times: 1,
    });
    const unavailable = await connectThrough(browser, created.url, user.id);
    expect(unavailable.location?.searchParams.get('error')).toBe('temporarily_unavailable');

    // Zoom handles the exchange (the code is used, a grant issued) but the answer never arrives.
    await world.zoom.addFault({
      path_pattern: '/oauth/token',
      method: 'POST',
      drop_response_after_commit: true,
      times: 1,
    });
    const lost = await connectThrough(browser, created.url, user.id);
    expect(lost.location?.searchParams.get('error')).toBe('temporarily_unavailable');

    // Zoom does not know the code (expired, or altered on the way): it answers invalid_grant.
    const callback = await consent(await browser.openLink(created.url), user.id);
    callback.searchParams.set('code', 'not-a-code-zoom-issued');
    const invalid = await browser.followCallback(callback);
    expect(invalid.location?.searchParams.get('error')).toBe('invalid_grant');

    expect((await link(created.id)).body.used_at).toBeNull();
    const { location } = await connectThrough(browser, created.url, user.id);
    const credentialId = location?.searchParams.get('credential_id');
    expect(credentialId).toBeTruthy();
    expect((await credentialsOf(connected.app.id)).map((item) => item.id)).toEqual([credentialId]);
  });

  it('makes exactly one credential from concurrent completions of one link', async () => {
    const { connected, browser, callback } = await consentedAttempt();
    // The browser sends the callback several times at once (a double click, a retry).
    const answers = await Promise.all([1, 2, 3, 4].map(() => browser.followCallback(callback)));
    const successes = withCredential(answers);
    expect(successes).toHaveLength(1);
    for (const answer of answers.filter((item) => !successes.includes(item)))
      expect(['link_used', 'attempt_used']).toContain(answer.location?.searchParams.get('error'));
    expect(await credentialsOf(connected.app.id)).toHaveLength(1);
  });

  it('makes one credential when two browsers complete one link for two different users', async () => {
    const connected = await connectApp();
    const [first, second] = [await createZoomUser(world), await createZoomUser(world)];
    const created = await newLink(connected.app.id);
    const firstBrowser = newBrowser();
    const firstCallback = await consent(await firstBrowser.openLink(created.url), first.id);
    // The first completion waits on Zoom while the link is opened and completed elsewhere.
    const hold = await holdNextTokenRequest(world, 3000);
    const slow = firstBrowser.followCallback(firstCallback);
    await hold.held();
    const fast = await connectThrough(newBrowser(), created.url, second.id);
    const answers = [await slow, fast];
    const successes = withCredential(answers);
    expect(successes).toHaveLength(1);
    expect(answers.map((answer) => answer.location?.searchParams.get('error'))).toContain(
      'link_used',
    );
    const credentials = await credentialsOf(connected.app.id);
    expect(credentials.map((item) => item.id)).toEqual([
      successes[0]?.location?.searchParams.get('credential_id'),
    ]);
    expect((await link(created.id)).body.credential).toBe(credentials[0]?.id);
  });

  it('refuses a callback in a browser other than the one that opened the link', async () => {
    const { connected, created, browser, callback } = await consentedAttempt();

    const elsewhere = await newBrowser().followCallback(callback);
    expect(elsewhere.location?.origin).toBe('https://customer.example');
    expect(elsewhere.location?.searchParams.get('error')).toBe('browser_mismatch');
    expect(elsewhere.location?.searchParams.get('error_description')).toContain(
      'started in another browser',
    );
    expect(elsewhere.location?.searchParams.get('connect_link_id')).toBe(created.id);
    // A forged cookie does no better.
    const forged = await request(callback.toString(), {
      headers: { cookie: `${[...browser.cookies().keys()][0]}=${'A'.repeat(43)}` },
    });
    expect(new URL(forged.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'browser_mismatch',
    );
    expect(await credentialsOf(connected.app.id)).toHaveLength(0);

    // Nothing was spent: the browser that started it finishes it.
    const { location } = await browser.followCallback(callback);
    expect(location?.searchParams.get('credential_id')).toBeTruthy();
  });

  it('heals the existing credential when its Zoom user connects again', async () => {
    const connected = await connectApp();
    const user = await createZoomUser(world);
    const browser = newBrowser();
    const first = await connectThrough(browser, (await newLink(connected.app.id)).url, user.id);
    const credentialId = first.location?.searchParams.get('credential_id');
    const second = await connectThrough(browser, (await newLink(connected.app.id)).url, user.id);
    expect(second.location?.searchParams.get('error')).toBeNull();
    expect(second.location?.searchParams.get('credential_id')).toBe(credentialId);
    expect(second.location?.searchParams.get('reconnected')).toBe('true');
    expect(await credentialsOf(connected.app.id)).toMatchObject([
      { id: credentialId, status: 'healthy' },
    ]);
  });

  it('refuses a tampered state, a replayed callback, and an expired link', async () => {
    const { connected, created, browser, callback } = await consentedAttempt();

    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const refused = await browser.followCallback(tampered);
    expect(refused.response.status).toBe(400);
    expect(refused.response.headers.get('content-type')).toContain('text/html');
    expect(refused.response.text).toContain('This sign-in attempt is not valid');

    const first = await browser.followCallback(callback);
    expect(first.location?.searchParams.get('credential_id')).toBeTruthy();
    const replay = await browser.followCallback(callback);
    expect(replay.location?.searchParams.get('error')).toBe('link_used');
    expect((await request(created.url)).headers.get('location')).toContain('error=link_used');

    const shortLived = await newLink(connected.app.id, { expires_in_seconds: 1 });
    await eventually(
      async () => (Date.now() > Date.parse(shortLived.expires_at) + 100 ? true : undefined),
      'link expiry',
    );
    const expired = await request(shortLived.url);
    expect(new URL(expired.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'link_expired',
    );

    const unknown = await request(`${world.hostpass.url}/oauth/zoom/connect/not-a-real-link`);
    expect(unknown.status).toBe(404);
  });

  it('validates link creation', async () => {
    const connected = await connectApp();
    const bad = await world.hostpass.api('/api/v2/zoom-connect-links/', {
      method: 'POST',
      json: { oauth_app: connected.app.id, return_url: 'javascript:alert(1)' },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body)).toEqual(['return_url']);
    const unknownApp = await world.hostpass.api('/api/v2/zoom-connect-links/', {
      method: 'POST',
      json: { oauth_app: '00000000-0000-4000-8000-000000000000', return_url: RETURN_URL },
    });
    expect(unknownApp.body).toEqual({
      oauth_app: ['Invalid pk "00000000-0000-4000-8000-000000000000" - object does not exist.'],
    });
  });

  it("restricts return_url to the app's connect_return_origins", async () => {
    const connected = await connectApp();
    const app = `/api/v2/zoom-oauth-apps/${connected.app.id}/`;
    const patched = await world.hostpass.api(app, {
      method: 'PATCH',
      json: { connect_return_origins: ['https://Customer.example/', 'http://localhost:3000'] },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.connect_return_origins).toEqual([
      'https://customer.example',
      'http://localhost:3000',
    ]);
    await newLink(connected.app.id);
    const elsewhere = await world.hostpass.api('/api/v2/zoom-connect-links/', {
      method: 'POST',
      json: { oauth_app: connected.app.id, return_url: 'https://evil.example/zoom' },
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body).toEqual({
      return_url: [
        "The origin https://evil.example is not allowed for Connect links: the app's connect_return_origins allows https://customer.example, http://localhost:3000.",
      ],
    });
    // Hostpass's own pages (the dashboard's Connect links) are always allowed.
    await newLink(connected.app.id, { return_url: `${world.hostpass.url}/credentials` });

    // Narrowing the list stops links already made from sending anyone to a removed origin.
    const made = await newLink(connected.app.id);
    await world.hostpass.api(app, {
      method: 'PATCH',
      json: { connect_return_origins: ['http://localhost:3000'] },
    });
    const opened = await request(made.url);
    expect(opened.status).toBe(400);
    expect(opened.text).toContain('This Connect link can no longer be used');
    expect(opened.headers.get('location')).toBeNull();

    const cleared = await world.hostpass.api(app, {
      method: 'PATCH',
      json: { connect_return_origins: null },
    });
    expect(cleared.body.connect_return_origins).toBeNull();
    await newLink(connected.app.id, { return_url: 'https://evil.example/zoom' });

    const notOrigins = await world.hostpass.api(app, {
      method: 'PATCH',
      json: { connect_return_origins: ['https://customer.example/zoom/connected'] },
    });
    expect(notOrigins.status).toBe(400);
    expect(Object.keys(notOrigins.body)).toEqual(['connect_return_origins']);
    const logs = await world.hostpass.api(
      `/api/v2/zoom-oauth-app-logs/?oauth_app=${connected.app.id}&ordering=created_at`,
    );
    expect(logs.body.results.map((entry: { message: string }) => entry.message)).toContain(
      'Updated the Connect return origins (http://localhost:3000).',
    );
  });
});

describe('HOSTPASS_CONNECT_RETURN_ORIGINS', () => {
  let restricted: ZoomWorld;
  beforeAll(async () => {
    restricted = await startZoomWorld({
      env: { HOSTPASS_CONNECT_RETURN_ORIGINS: 'https://customer.example,https://other.example' },
    });
  });
  afterAll(() => restricted?.close());

  const create = (appId: string, returnUrl: string) =>
    restricted.hostpass.api('/api/v2/zoom-connect-links/', {
      method: 'POST',
      json: { oauth_app: appId, return_url: returnUrl },
    });

  it('refuses a return_url outside the listed origins, and an app cannot widen the list', async () => {
    const connected = await registerApp(restricted, 'user_level');
    expect((await create(connected.app.id, RETURN_URL)).status).toBe(201);
    const refused = await create(connected.app.id, 'https://evil.example/back');
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      return_url: [
        'The origin https://evil.example is not allowed for Connect links: HOSTPASS_CONNECT_RETURN_ORIGINS allows https://customer.example, https://other.example.',
      ],
    });
    expect((await create(connected.app.id, 'http://customer.example/back')).status).toBe(400);

    await restricted.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`, {
      method: 'PATCH',
      json: { connect_return_origins: ['https://other.example', 'https://evil.example'] },
    });
    expect((await create(connected.app.id, 'https://other.example/back')).status).toBe(201);
    expect((await create(connected.app.id, RETURN_URL)).body.return_url[0]).toContain(
      "the app's connect_return_origins allows",
    );
    expect(
      (await create(connected.app.id, 'https://evil.example/back')).body.return_url[0],
    ).toContain('HOSTPASS_CONNECT_RETURN_ORIGINS allows');
  });
});
