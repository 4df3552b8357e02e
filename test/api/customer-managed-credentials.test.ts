import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHostpass, type TestHostpass } from '../support/hostpass.ts';
import {
  createZoomUser,
  REDIRECT_URI,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';

/** The customer's token endpoint: what it answers is set per test. */
let behaviour: (request: { url: string }) => {
  status: number;
  body: string;
  delayMs?: number;
  headers?: Record<string, string>;
};
let callbackHits = 0;
let callbackServer: Server;
let callbackBase: string;
let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld();
  callbackServer = createServer((request, response) => {
    callbackHits += 1;
    const answer = behaviour({ url: request.url ?? '/' });
    setTimeout(() => {
      response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      response.end(answer.body);
    }, answer.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  const address = callbackServer.address();
  callbackBase = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  callbackServer.closeAllConnections();
  await new Promise((resolve) => callbackServer.close(resolve));
  await world.close();
});

/** A Zoom access token as the customer's own OAuth code would hold it. */
async function customerHeldToken(
  ttlSeconds: number,
  kind: 'user_level' | 'account_level' = 'user_level',
) {
  const connected = await registerApp(world, kind, { access_token_ttl_seconds: ttlSeconds });
  const user = await createZoomUser(world, 'admin');
  const tokens = await world.zoom.connect(connected.zoomApp, user.id, REDIRECT_URI);
  return { connected, user, token: tokens.access_token };
}

const create = (hostpass: TestHostpass, appId: string, url: string) =>
  hostpass.api(CREDENTIALS, {
    method: 'POST',
    json: { oauth_app: appId, access_token_callback_url: url },
  });

describe('customer-managed OAuth (access_token_callback_url)', () => {
  it('identifies the user from the fetched token, masks the URL, and serves the cached token', async () => {
    const { connected, user, token } = await customerHeldToken(3600);
    behaviour = () => ({ status: 200, body: `${token}\n` });
    callbackHits = 0;
    const response = await create(
      world.hostpass,
      connected.app.id,
      `${callbackBase}/zoom-token?user=${user.id}&secret=s3cr3t-value`,
    );
    expect(response.status, response.text).toBe(201);
    expect(response.body).toMatchObject({
      user_id: user.id,
      status: 'healthy',
      access_token_callback_url: `${callbackBase}/****`,
    });
    expect(response.text).not.toContain('s3cr3t-value');
    const served = await world.hostpass.api(`${CREDENTIALS}${response.body.id}/access-token/`);
    expect(served.body.token).toBe(token);
    expect(callbackHits).toBe(1);
  });

  it('refuses a token that expires in less than 120 s', async () => {
    const { connected, token } = await customerHeldToken(60);
    behaviour = () => ({ status: 200, body: token });
    const response = await create(world.hostpass, connected.app.id, `${callbackBase}/short`);
    expect(response.status).toBe(400);
    expect(response.body.access_token_callback_url[0]).toMatch(
      /^The token it returned expires in \d+ s; it must stay valid for at least 120 s more\.$/,
    );
  });

  it('refuses a URL that takes longer than 5 s', async () => {
    const { connected, token } = await customerHeldToken(3600);
    behaviour = () => ({ status: 200, body: token, delayMs: 6000 });
    const response = await create(world.hostpass, connected.app.id, `${callbackBase}/slow`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      access_token_callback_url: ['The URL did not answer within 5 s.'],
    });
  });

  it.each([
    [
      500,
      'internal error',
      'The URL answered HTTP 500; it must answer 200 with the access token as plain text.',
    ],
    [302, '', 'The URL answered with a redirect (HTTP 302); redirects are not followed.'],
    [200, 'two words', 'The URL must answer with the access token alone, as plain text.'],
  ])('refuses an answer of HTTP %i %j', async (status, body, message) => {
    const { connected } = await customerHeldToken(3600);
    const headers: Record<string, string> =
      status === 302 ? { location: 'http://169.254.169.254/' } : {};
    behaviour = () => ({ status, body, headers });
    const response = await create(world.hostpass, connected.app.id, `${callbackBase}/bad`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ access_token_callback_url: [message] });
  });

  it('refuses a token Zoom does not accept', async () => {
    const { connected } = await customerHeldToken(3600);
    behaviour = () => ({ status: 200, body: 'opaque-but-not-a-zoom-token' });
    const response = await create(world.hostpass, connected.app.id, `${callbackBase}/junk`);
    expect(response.status).toBe(400);
    expect(response.body.detail).toContain('Zoom refused the new token');
  });
});

describe('the callback URL cannot reach private networks (SSRF)', () => {
  let strict: TestHostpass;
  beforeAll(async () => {
    strict = await startTestHostpass({
      env: {
        ZOOM_OAUTH_URL: world.emulator.url,
        ZOOM_API_URL: `${world.emulator.url}/v2`,
        HOSTPASS_ALLOW_PRIVATE_CALLBACKS: 'false',
      },
    });
  });
  afterAll(() => strict.close());

  it.each([
    ['plain http', () => `${callbackBase}/x`, 'The URL must be an https:// URL.'],
    [
      'a loopback literal',
      () => 'https://127.0.0.1:1/x',
      'must not point at a private, loopback or link-local address (127.0.0.1).',
    ],
    [
      'the metadata address',
      () => 'https://169.254.169.254/latest/meta-data',
      'must not point at a private, loopback or link-local address (169.254.169.254).',
    ],
    [
      'an IPv6 loopback',
      () => 'https://[::1]:1/x',
      'must not point at a private, loopback or link-local address (::1).',
    ],
    [
      'a private network',
      () => 'https://10.1.2.3/x',
      'must not point at a private, loopback or link-local address (10.1.2.3).',
    ],
    [
      'a name that resolves to loopback',
      () => 'https://localhost:1/x',
      'resolves to a non-public address',
    ],
  ])('refuses %s', async (_label, url, message) => {
    const app = await strict.api('/api/v2/zoom-oauth-apps/', {
      method: 'POST',
      json: {
        kind: 'user_level',
        client_id: `c-${Math.random()}`,
        client_secret: 'secret-secret-secret',
        webhook_secret: 'whsec-whsec-whsec',
      },
    });
    callbackHits = 0;
    const response = await create(strict, app.body.id, url());
    expect(response.status).toBe(400);
    expect(response.body.access_token_callback_url[0]).toContain(message);
    expect(callbackHits).toBe(0);
  });
});
