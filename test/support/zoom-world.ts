import type { EmulatorAdminClient, RunningEmulator } from '../../emulator/index.ts';
import { startEmulator } from '../../emulator/index.ts';
import type { App as EmulatorApp, User as EmulatorUser } from '../../emulator/model.ts';
import { ACCOUNT_LEVEL_SCOPES, USER_LEVEL_SCOPES } from '../../emulator/scopes.ts';
import type { ResponseBody } from '../../src/client/index.ts';
import { freePort } from '../../src/free-port.ts';
import { spawnServer, waitUntilReady } from './cli.ts';
import { testEngine } from './engine.ts';
import { startTestHostpass, TEST_ENCRYPTION_KEY, type TestHostpass } from './hostpass.ts';

export const REDIRECT_URI = 'https://customer.example/oauth/zoom/callback/';

/**
 * What the set-up helpers below use: Zoom's admin API and Hostpass's API, wherever the two run
 * (in this process for the tests, child processes for the benches).
 */
export interface WorldClients {
  zoom: EmulatorAdminClient;
  hostpass: Pick<TestHostpass, 'api' | 'client'>;
}

/** Hostpass pointed at an emulated Zoom: the world every black-box credential test runs in. */
export interface ZoomWorld extends WorldClients {
  emulator: RunningEmulator;
  hostpass: TestHostpass;
  close(): Promise<void>;
}

export async function startZoomWorld(
  options: { env?: Record<string, string>; workers?: boolean; logLevel?: string } = {},
): Promise<ZoomWorld> {
  const emulator = await startEmulator({ port: 0 });
  const hostpass = await startTestHostpass({
    env: { ZOOM_OAUTH_URL: emulator.url, ZOOM_API_URL: `${emulator.url}/v2`, ...options.env },
    ...(options.workers !== undefined && { workers: options.workers }),
    ...(options.logLevel !== undefined && { logLevel: options.logLevel }),
  });
  return {
    emulator,
    zoom: emulator.admin,
    hostpass,
    async close() {
      await hostpass.close();
      await emulator.close();
    },
  };
}

/**
 * A second Hostpass process on the world's store, with the same keys and Zoom, workers off: on
 * PostgreSQL. An embedded store has one process, so on PGlite there is none (null).
 */
export async function startSecondServer(
  world: ZoomWorld,
): Promise<{ url: string; stop(): Promise<void> } | null> {
  if (testEngine() !== 'postgres') return null;
  const port = await freePort();
  const server = spawnServer({
    ...world.hostpass.storage.env,
    HOSTPASS_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    ZOOM_OAUTH_URL: world.emulator.url,
    ZOOM_API_URL: `${world.emulator.url}/v2`,
    HOSTPASS_WORKERS: 'false',
    PORT: String(port),
  });
  const stop = async () => {
    server.child.kill('SIGKILL');
    await server.exited;
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, server);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

let counter = 0;

export interface ConnectedApp {
  zoomApp: EmulatorApp;
  /** The Hostpass app (API object). */
  app: ResponseBody<'/api/v2/zoom-oauth-apps/', 'post'>;
}

/** The same Zoom app registered at Zoom (emulator) and in Hostpass. */
export async function registerApp(
  world: WorldClients,
  kind: 'user_level' | 'account_level',
  overrides: { scopes?: string[]; access_token_ttl_seconds?: number; published?: boolean } = {},
): Promise<ConnectedApp> {
  counter += 1;
  const zoomApp = await world.zoom.createApp({
    kind,
    redirect_uris: [REDIRECT_URI],
    scopes: overrides.scopes ?? [
      ...(kind === 'user_level' ? USER_LEVEL_SCOPES : ACCOUNT_LEVEL_SCOPES),
    ],
    ...(overrides.access_token_ttl_seconds !== undefined && {
      access_token_ttl_seconds: overrides.access_token_ttl_seconds,
    }),
    ...(overrides.published !== undefined && { published: overrides.published }),
  });
  const created = await world.hostpass.client.POST('/api/v2/zoom-oauth-apps/', {
    body: {
      kind,
      client_id: zoomApp.client_id,
      client_secret: zoomApp.client_secret,
      webhook_secret: zoomApp.webhook_secret,
    },
  });
  if (!created.data)
    throw new Error(`creating the Hostpass app failed: ${created.response.status}`);
  return { zoomApp, app: created.data };
}

export async function createZoomUser(
  world: WorldClients,
  role: 'owner' | 'admin' | 'member' = 'owner',
  accountId?: string,
): Promise<EmulatorUser> {
  counter += 1;
  const account =
    accountId ?? (await world.zoom.createAccount({ plan: 'pro', third_party_recording: true })).id;
  return world.zoom.createUser({
    account_id: account,
    email: `user${counter}-${Date.now()}@example.com`,
    role,
  });
}

/** The user consents at Zoom; the returned code is what the customer's redirect handler receives. */
export async function authorizationCode(
  world: WorldClients,
  zoomApp: EmulatorApp,
  userId: string,
  redirectUri = REDIRECT_URI,
): Promise<string> {
  const { code } = await world.zoom.authorize({
    client_id: zoomApp.client_id,
    user_id: userId,
    redirect_uri: redirectUri,
  });
  return code;
}

/** Managed OAuth end to end: consent, then `POST /api/v2/zoom-oauth-credentials/` with the code. */
export async function connectCredential(
  world: WorldClients,
  connected: ConnectedApp,
  userId: string,
) {
  return postAuthorizationCode(
    world,
    connected,
    await authorizationCode(world, connected.zoomApp, userId),
  );
}

/** The customer's redirect handler passes a code on: `POST /api/v2/zoom-oauth-credentials/`. */
export function postAuthorizationCode(world: WorldClients, connected: ConnectedApp, code: string) {
  return world.hostpass.api('/api/v2/zoom-oauth-credentials/', {
    method: 'POST',
    json: { oauth_app: connected.app.id, authorization_code: { code, redirect_uri: REDIRECT_URI } },
  });
}

/** Whether Zoom (the emulator) accepts `token` for `/v2/users/me`. */
export async function tokenWorks(world: ZoomWorld, token: string): Promise<boolean> {
  const response = await fetch(`${world.emulator.url}/v2/users/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.body?.cancel();
  return response.status === 200;
}

/** Polls `check` until it returns a value (not undefined), failing after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Zoom (the emulator) holds the next POST /oauth/token for `latencyMs` before handling it;
 * `held()` resolves once a request is being held (the fault is gone once it fired: no sleeps).
 */
export async function holdNextTokenRequest(
  world: { zoom: EmulatorAdminClient },
  latencyMs: number,
) {
  await world.zoom.addFault({
    path_pattern: '/oauth/token',
    method: 'POST',
    latency_ms: latencyMs,
    times: 1,
  });
  return {
    held: () =>
      eventually(
        async () => ((await world.zoom.faults()).length === 0 ? true : undefined),
        'a token request to reach Zoom',
      ),
  };
}

/** Connects `userId` with `connected` and waits for the first meeting sync (the workers run it). */
export async function connectAndSync(
  world: WorldClients,
  connected: ConnectedApp,
  userId: string,
): Promise<string> {
  const created = await connectCredential(world, connected, userId);
  if (created.status !== 201) throw new Error(`connecting failed: ${created.text}`);
  const id: string = created.body.id;
  await firstSync(world, id);
  return id;
}

/** Resolves once credential `id`'s first meeting sync completed. */
export function firstSync(world: WorldClients, id: string, timeoutMs?: number) {
  return eventually(
    async () => {
      const { data: credential } = await world.hostpass.client.GET(
        '/api/v2/zoom-oauth-credentials/{id}/',
        { params: { path: { id } } },
      );
      return credential?.meeting_sync_status === 'completed' ? true : undefined;
    },
    'the first sync',
    timeoutMs,
  );
}
