import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/hostpass.ts';
import {
  createZoomUser,
  eventually,
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

/** The browser opens the link: Hostpass answers with a redirect to Zoom's consent page. */
async function openLink(url: string) {
  const response = await request(url);
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '');
}

/** A person on Zoom's consent page picks the user and clicks Allow (or Deny). */
async function consent(
  authorizeUrl: URL,
  userId: string,
  decision: 'allow' | 'deny' = 'allow',
): Promise<URL> {
  const page = await request(authorizeUrl.toString());
  expect(page.status).toBe(200);
  const fields = new URLSearchParams();
  for (const match of page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.set(
      match[1] as string,
      (match[2] as string).replaceAll('&amp;', '&').replaceAll('&quot;', '"'),
    );
  }
  fields.set('user_id', userId);
  fields.set('decision', decision);
  const posted = await request(`${world.emulator.url}/oauth/authorize`, {
    method: 'POST',
    body: fields.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(posted.status).toBe(302);
  return new URL(posted.headers.get('location') ?? '');
}

async function followCallback(callback: URL) {
  const response = await request(callback.toString());
  return {
    response,
    location: response.status === 302 ? new URL(response.headers.get('location') ?? '') : null,
  };
}

describe('hosted Connect flow', () => {
  it('takes the end user through Zoom consent and back to return_url with a healthy credential', async () => {
    const connected = await connectApp();
    const user = await createZoomUser(world);
    const link = await newLink(connected.app.id);
    expect(link.url.startsWith(`${world.hostpass.url}/oauth/zoom/connect/`)).toBe(true);

    const authorize = await openLink(link.url);
    expect(authorize.origin + authorize.pathname).toBe(`${world.emulator.url}/oauth/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(connected.zoomApp.client_id);
    expect(authorize.searchParams.get('redirect_uri')).toBe(
      `${world.hostpass.url}/oauth/zoom/callback`,
    );
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')?.length).toBeGreaterThan(30);

    const callback = await consent(authorize, user.id);
    expect(callback.origin + callback.pathname).toBe(`${world.hostpass.url}/oauth/zoom/callback`);
    const { location } = await followCallback(callback);
    expect(location?.origin + (location?.pathname ?? '')).toBe(
      'https://customer.example/zoom/connected',
    );
    expect(location?.searchParams.get('tenant')).toBe('42');
    const credentialId = location?.searchParams.get('credential_id') ?? '';
    expect(location?.searchParams.get('connect_link_id')).toBe(link.id);

    const credential = await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${credentialId}/`);
    expect(credential.body).toMatchObject({
      status: 'healthy',
      user_id: user.id,
      oauth_app: connected.app.id,
    });
    const stored = await world.hostpass.api(`/api/v2/zoom-connect-links/${link.id}/`);
    expect(stored.body).toMatchObject({
      credential: credentialId,
      metadata: { customer_user: 'u-7' },
      url: null,
    });
    expect(stored.body.used_at).not.toBeNull();
  });

  it('sends a denial back to return_url as an error', async () => {
    const connected = await connectApp();
    const user = await createZoomUser(world);
    const link = await newLink(connected.app.id);
    const callback = await consent(await openLink(link.url), user.id, 'deny');
    const { location } = await followCallback(callback);
    expect(location?.searchParams.get('error')).toBe('access_denied');
    expect(location?.searchParams.get('credential_id')).toBeNull();
  });

  it('reports the conflict case with the conflicting id', async () => {
    const connected = await connectApp();
    const user = await createZoomUser(world);
    for (const expectConflict of [false, true]) {
      const link = await newLink(connected.app.id);
      const { location } = await followCallback(await consent(await openLink(link.url), user.id));
      if (!expectConflict) {
        expect(location?.searchParams.get('credential_id')).toBeTruthy();
        continue;
      }
      expect(location?.searchParams.get('error')).toBe('credential_conflict');
      expect(location?.searchParams.get('conflicting_zoom_user_id')).toBe(user.id);
      expect(location?.searchParams.get('error_description')).toContain(
        'already exists for this OAuth App',
      );
    }
  });

  it('refuses a tampered state, a replayed callback, and an expired link', async () => {
    const connected = await connectApp();
    const user = await createZoomUser(world);
    const link = await newLink(connected.app.id);
    const callback = await consent(await openLink(link.url), user.id);

    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const refused = await followCallback(tampered);
    expect(refused.response.status).toBe(400);
    expect(refused.response.headers.get('content-type')).toContain('text/html');
    expect(refused.response.text).toContain('This sign-in attempt is not valid');

    const first = await followCallback(callback);
    expect(first.location?.searchParams.get('credential_id')).toBeTruthy();
    const replay = await followCallback(callback);
    expect(replay.location?.searchParams.get('error')).toBe('link_used');
    expect((await request(link.url)).headers.get('location')).toContain('error=link_used');

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
});
