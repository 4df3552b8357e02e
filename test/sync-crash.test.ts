import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { ACCOUNT_LEVEL_SCOPES } from '../emulator/scopes.ts';
import { freePort } from '../src/free-port.ts';
import { runCli, type ServerProcess, spawnServer, waitUntilReady } from './support/cli.ts';
import { createTestStorage } from './support/engine.ts';
import { request, TEST_ENCRYPTION_KEY } from './support/hostpass.ts';
import { eventually, REDIRECT_URI } from './support/zoom-world.ts';

const USERS = 300;
const MEETINGS_CALLS = 'GET /v2/users/{userId}/meetings';
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator.close());

/** An account of USERS users with one meeting each, and an account-level app authorized by its admin. */
async function bigAccount() {
  const admin = emulator.admin;
  const account = await admin.createAccount({
    plan: 'pro',
    rate_limits: { medium: { per_second: 1000, per_day: null } },
  });
  const users = [
    await admin.createUser({ account_id: account.id, email: 'admin@big.example', role: 'admin' }),
  ];
  for (let index = 1; index < USERS; index += 1) {
    users.push(await admin.createUser({ account_id: account.id, email: `u${index}@big.example` }));
  }
  const meetings: number[] = [];
  for (const user of users)
    meetings.push(Number((await admin.createMeeting({ host_id: user.id })).id));
  const app = await admin.createApp({
    kind: 'account_level',
    redirect_uris: [REDIRECT_URI],
    scopes: [...ACCOUNT_LEVEL_SCOPES],
  });
  return { users, meetings, app };
}

describe('a sync interrupted by kill -9', () => {
  it('resumes after restart from its last committed page and ends with exactly the right mappings', {
    timeout: 120_000,
  }, async () => {
    const storage = await createTestStorage();
    const apiKey = 'hp_crash_test_key_0123456789';
    const env = {
      ...storage.env,
      HOSTPASS_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
      HOSTPASS_BOOTSTRAP_API_KEY: apiKey,
      ZOOM_OAUTH_URL: emulator.url,
      ZOOM_API_URL: `${emulator.url}/v2`,
      // Slow enough to be interrupted mid-way (about 6 s in all), quick to resume after a crash.
      HOSTPASS_ZOOM_RATE_MEDIUM: '100',
      HOSTPASS_SYNC_RATE_SHARE: '1',
      HOSTPASS_SYNC_LEASE_SECONDS: '2',
    };
    const world = await bigAccount();
    const start = async (): Promise<{ url: string; server: ServerProcess }> => {
      const port = await freePort();
      const server = spawnServer({ ...env, PORT: String(port) });
      const url = `http://127.0.0.1:${port}`;
      await waitUntilReady(url, server);
      return { url, server };
    };
    const api = (url: string, path: string, init: { method?: string; json?: unknown } = {}) =>
      request(`${url}${path}`, { ...init, headers: { authorization: `Token ${apiKey}` } });

    const first = await start();
    let second: { url: string; server: ServerProcess } | undefined;
    try {
      const app = await api(first.url, '/api/v2/zoom-oauth-apps/', {
        method: 'POST',
        json: {
          kind: 'account_level',
          client_id: world.app.client_id,
          client_secret: world.app.client_secret,
          webhook_secret: world.app.webhook_secret,
        },
      });
      const { code } = await emulator.admin.authorize({
        client_id: world.app.client_id,
        user_id: world.users[0]?.id ?? '',
        redirect_uri: REDIRECT_URI,
      });
      await emulator.admin.resetRequests();
      const credential = await api(first.url, '/api/v2/zoom-oauth-credentials/', {
        method: 'POST',
        json: { oauth_app: app.body.id, authorization_code: { code, redirect_uri: REDIRECT_URI } },
      });
      expect(credential.status, credential.text).toBe(201);

      // Kill the process while it is listing meetings: a third of the users done.
      await eventually(
        async () =>
          ((await emulator.admin.requests()).by_endpoint[MEETINGS_CALLS] ?? 0) > (USERS * 2) / 3
            ? true
            : undefined,
        'sync progress',
      );
      first.server.child.kill('SIGKILL');
      await first.server.exited;
      const callsBeforeCrash = (await emulator.admin.requests()).by_endpoint[MEETINGS_CALLS] ?? 0;
      expect(callsBeforeCrash).toBeLessThan(USERS * 2);

      second = await start();
      const done = await eventually(
        async () => {
          const current = await api(
            second?.url ?? '',
            `/api/v2/zoom-oauth-credentials/${credential.body.id}/`,
          );
          return current.body.meeting_sync_status === 'completed' ? current.body : undefined;
        },
        'the resumed sync to complete',
        60_000,
      );
      expect(done.status).toBe('healthy');

      const found = new Set<string>();
      let path: string | null =
        `/api/v2/zoom-meetings-to-credentials/?credential=${credential.body.id}&page_size=200`;
      while (path) {
        const page = await api(second.url, path);
        for (const item of page.body.results as { meeting_id: number; source: string }[])
          found.add(`${item.meeting_id}:${item.source}`);
        path = page.body.next ? String(page.body.next).slice(second.url.length) : null;
      }
      const expected = new Set([
        ...world.users.map((user) => `${user.pmi}:pmi`),
        ...world.meetings.map((id) => `${id}:scheduled`),
      ]);
      expect(found).toEqual(expected);
      // Resumed, not restarted: the total stays close to one full pass (two list calls per user).
      const total = (await emulator.admin.requests()).by_endpoint[MEETINGS_CALLS] ?? 0;
      // At most one window of hosts (32 at this rate) is listed twice.
      expect(total).toBeLessThanOrEqual(USERS * 2 + 2 * 32);
    } finally {
      first.server.child.kill('SIGKILL');
      second?.server.child.kill('SIGKILL');
      await Promise.all([first.server.exited, second?.server.exited]);
    }
  });
});

describe('hostpass sync <credential-id>', () => {
  it('runs a sync in the foreground with progress, and refuses an unknown credential', async () => {
    const storage = await createTestStorage();
    const env = {
      ...storage.env,
      HOSTPASS_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
      HOSTPASS_BOOTSTRAP_API_KEY: 'hp_cli_sync_key_0123456789',
      ZOOM_OAUTH_URL: emulator.url,
      ZOOM_API_URL: `${emulator.url}/v2`,
      HOSTPASS_WORKERS: 'false',
    };
    const port = await freePort();
    const server = spawnServer({ ...env, PORT: String(port) });
    const url = `http://127.0.0.1:${port}`;
    let credentialId = '';
    try {
      await waitUntilReady(url, server);
      const zoomApp = await emulator.admin.createApp({
        kind: 'user_level',
        redirect_uris: [REDIRECT_URI],
        scopes: [
          'user:read:user',
          'meeting:read:list_meetings',
          'meeting:read:local_recording_token',
        ],
      });
      const account = await emulator.admin.createAccount({ plan: 'pro' });
      const user = await emulator.admin.createUser({
        account_id: account.id,
        email: 'cli@sync.example',
        pmi: 8880000001,
      });
      await emulator.admin.createMeeting({ host_id: user.id });
      const headers = { authorization: 'Token hp_cli_sync_key_0123456789' };
      const app = await request(`${url}/api/v2/zoom-oauth-apps/`, {
        method: 'POST',
        headers,
        json: {
          kind: 'user_level',
          client_id: zoomApp.client_id,
          client_secret: zoomApp.client_secret,
          webhook_secret: zoomApp.webhook_secret,
        },
      });
      const { code } = await emulator.admin.authorize({
        client_id: zoomApp.client_id,
        user_id: user.id,
        redirect_uri: REDIRECT_URI,
      });
      const credential = await request(`${url}/api/v2/zoom-oauth-credentials/`, {
        method: 'POST',
        headers,
        json: { oauth_app: app.body.id, authorization_code: { code, redirect_uri: REDIRECT_URI } },
      });
      credentialId = credential.body.id;
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    // Workers were off, so the initial sync waits; the CLI runs it now.
    const result = await runCli(['sync', credentialId], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(
      `Completed: 2 meetings (PMIs included) mapped for credential ${credentialId}.`,
    );
    expect(result.stderr).toMatch(
      /\[prune {3}\] users 1 · meetings listed 2 · Zoom calls 3 · rate-limit waits \d+/,
    );

    const unknown = await runCli(['sync', '00000000-0000-4000-8000-000000000000'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('No credential 00000000-0000-4000-8000-000000000000.');
    // Three processes each open the store (PGlite: 3–8 s apiece on a loaded CI machine).
  }, 90_000);
});
