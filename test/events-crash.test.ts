// Issue 12 part 3: an event committed with its change is delivered even when Hostpass is killed
// (SIGKILL) before sending it: the outbox row and its job are in the database, not in memory.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { crashableHostpass } from './support/crashable.ts';
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
    const hostpass = await crashableHostpass({
      zoomUrl: emulator.url,
      env: { HOSTPASS_ALLOW_PRIVATE_CALLBACKS: 'true' },
    });
    const world = { zoom: emulator.admin, hostpass };

    // Without workers the first process commits changes and their events but sends nothing:
    // the kill comes after the commit and before any delivery.
    try {
      const first = await hostpass.start({ HOSTPASS_WORKERS: 'false' });
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

      await hostpass.kill(first);
      expect(receiver.received).toEqual([]);

      await hostpass.start();
      const [delivered] = await receiver.waitFor('credential.created');
      expect(delivered?.event.data).toMatchObject({ id: created.body.id, user_id: user.id });
      expect(receiver.unverified).toEqual([]);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await hostpass.stopAll();
    }
  });
});
