// Issue 12 part 3: an event committed with its change is delivered even when Hostpass is killed
// (SIGKILL) before sending it: the outbox row and its job are in the database, not in memory.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { createHostpassClient } from '../src/client/index.ts';
import { freePort } from '../src/free-port.ts';
import { type ServerProcess, spawnServer, waitUntilReady } from './support/cli.ts';
import { createTestStorage } from './support/engine.ts';
import { request, TEST_ENCRYPTION_KEY } from './support/hostpass.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';
import { connectCredential, createZoomUser, registerApp } from './support/zoom-world.ts';

let emulator: RunningEmulator;
let receiver: WebhookReceiver;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
  await emulator.close();
});

describe('an event whose change committed before Hostpass was killed', () => {
  it('is delivered after the restart', { timeout: 300_000 }, async () => {
    const storage = await createTestStorage();
    const apiKey = 'hp_events_crash_key_0123456789';
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      ...storage.env,
      PORT: String(port),
      PUBLIC_URL: url,
      HOSTPASS_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
      HOSTPASS_BOOTSTRAP_API_KEY: apiKey,
      HOSTPASS_ALLOW_PRIVATE_CALLBACKS: 'true',
      ZOOM_OAUTH_URL: emulator.url,
      ZOOM_API_URL: `${emulator.url}/v2`,
    };
    const started: ServerProcess[] = [];
    const start = async (extra: Record<string, string> = {}): Promise<ServerProcess> => {
      const server = spawnServer({ ...env, ...extra });
      started.push(server);
      // A cold start of a child process; generous, as a loaded CI machine can be slow.
      await waitUntilReady(url, server, 90_000);
      return server;
    };
    const world = {
      zoom: emulator.admin,
      hostpass: {
        api: (path: string, init: { method?: string; json?: unknown } = {}) =>
          request(`${url}${path}`, { ...init, headers: { authorization: `Token ${apiKey}` } }),
        client: createHostpassClient({ baseUrl: url, apiKey }),
      },
    };

    // Without workers the first process commits changes and their events but sends nothing:
    // the kill comes after the commit and before any delivery.
    try {
      const first = await start({ HOSTPASS_WORKERS: 'false' });
      const endpoint = await world.hostpass.api('/api/v2/webhook-endpoints/', {
        method: 'POST',
        json: { url: receiver.url, event_types: ['credential.created'] },
      });
      expect(endpoint.status, endpoint.text).toBe(201);
      receiver.secrets.push(endpoint.body.secret);
      const connected = await registerApp(world, 'user_level');
      const user = await createZoomUser(world);
      const created = await connectCredential(world, connected, user.id);
      expect(created.status, created.text).toBe(201);

      first.child.kill('SIGKILL');
      await first.exited;
      expect(receiver.received).toEqual([]);

      await start();
      const [delivered] = await receiver.waitFor('credential.created');
      expect(delivered?.event.data).toMatchObject({ id: created.body.id, user_id: user.id });
      expect(receiver.unverified).toEqual([]);
      expect(receiver.received).toHaveLength(1);
    } finally {
      for (const server of started) {
        if (server.child.exitCode === null) server.child.kill('SIGKILL');
        await server.exited;
      }
    }
  });
});
