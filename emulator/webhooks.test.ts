import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, urlValidationToken } from './index.ts';
import {
  authorizeAndExchange,
  REDIRECT_URI,
  type ReceivedRequest,
  type Receiver,
  startReceiver,
  startWorldWithReceiver,
  type World,
} from './test-support.ts';

const SECRET = 'webhook-secret-for-tests';

let emulator: RunningEmulator;
let receiver: Receiver;
let world: World;
let close: () => Promise<void>;

beforeEach(async () => {
  ({ emulator, receiver, world, close } = await startWorldWithReceiver(3, SECRET, {
    kind: 'account_level',
    app: { published: true },
  }));
});
afterEach(() => close());

/** Verifies a delivery both ways receivers do: the raw bytes, and JSON.stringify(JSON.parse(body)). */
function expectSigned(request: ReceivedRequest) {
  const timestamp = String(request.headers['x-zm-request-timestamp']);
  expect(timestamp).toMatch(/^\d{10}$/);
  expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
  const sign = (body: string) =>
    `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  expect(request.headers['x-zm-signature']).toBe(sign(request.body));
  expect(request.headers['x-zm-signature']).toBe(sign(JSON.stringify(JSON.parse(request.body))));
  expect(request.headers['user-agent']).toBe('Zoom Marketplace/1.0a');
  expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(request.headers.clientid).toBe(world.app.client_id);
  expect(request.headers['x-zm-trackingid']).toBeTruthy();
  return JSON.parse(request.body) as {
    event: string;
    event_ts: number;
    payload: Record<string, unknown>;
  };
}

const connect = async () => {
  await emulator.admin.updateApp(world.app.id, { event_url: receiver.url });
  await authorizeAndExchange(emulator, world.app, world.owner);
};

describe('endpoint.url_validation', () => {
  it('matches Zoom’s reference test vector', () => {
    expect(urlValidationToken('secretValueTest', 'qgg8vlvZRS6UYooatFL8Aw')).toBe(
      '70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff',
    );
  });

  it('challenges the endpoint when it is registered, and on demand', async () => {
    await emulator.admin.updateApp(world.app.id, { event_url: receiver.url });
    const [challenge] = receiver.received;
    const body = expectSigned(challenge as ReceivedRequest);
    expect(Object.keys(body)).toEqual(['payload', 'event_ts', 'event']);
    expect(body.event).toBe('endpoint.url_validation');
    expect((await emulator.admin.getApp(world.app.id)).event_url).toBe(receiver.url);
    expect(await emulator.admin.validateApp(world.app.id)).toEqual({
      ok: true,
      status: 200,
      detail: 'validated',
    });
  });

  it('refuses to save an endpoint that answers wrongly', async () => {
    const wrong = await startReceiver('another-secret');
    const refused = await emulator.admin
      .updateApp(world.app.id, { event_url: wrong.url })
      .catch((error: { status: number; body: unknown }) => error);
    expect(refused).toMatchObject({ status: 400, body: { error: 'url_validation_failed' } });
    expect((await emulator.admin.getApp(world.app.id)).event_url).toBeNull();
    await wrong.close();
  });
});

describe('events', () => {
  it('meeting.created, also scheduled by an assistant (operator_id ≠ host_id)', async () => {
    await connect();
    const meeting = await emulator.admin.createMeeting({
      host_id: world.member.id,
      scheduled_by: world.owner.id,
      topic: 'Board',
    });
    const [delivery] = receiver.events();
    const body = expectSigned(delivery as ReceivedRequest);
    expect(Object.keys(body)).toEqual(['event', 'payload', 'event_ts']);
    expect(body.event).toBe('meeting.created');
    expect(body.payload).toMatchObject({
      account_id: world.account.id,
      operator: world.owner.email,
      operator_id: world.owner.id,
      object: {
        id: meeting.id,
        uuid: meeting.uuid,
        host_id: world.member.id,
        topic: 'Board',
        type: 2,
        settings: { use_pmi: false },
      },
    });
  });

  it('meeting.updated carries object and old_object; meeting.deleted the meeting', async () => {
    await connect();
    const meeting = await emulator.admin.createMeeting({ host_id: world.member.id, topic: 'Old' });
    await emulator.admin.updateMeeting(meeting.id, { topic: 'New', waiting_room: true });
    await emulator.admin.deleteMeeting(meeting.id);
    const [, updated, deleted] = receiver.events().map((request) => expectSigned(request));
    expect(updated?.event).toBe('meeting.updated');
    expect(updated?.payload).toMatchObject({
      object: { id: meeting.id, topic: 'New', settings: { waiting_room: true } },
      old_object: { id: meeting.id, topic: 'Old', settings: { waiting_room: false } },
    });
    expect(typeof updated?.payload.time_stamp).toBe('number');
    expect(deleted?.event).toBe('meeting.deleted');
    expect(deleted?.payload).toMatchObject({
      object: { id: meeting.id, uuid: meeting.uuid, host_id: world.member.id },
    });
  });

  it('user.updated on a PMI change, with the old PMI', async () => {
    await connect();
    await emulator.admin.updateUser(world.member.id, { pmi: 5551234567 });
    const [updated] = receiver.events().map((request) => expectSigned(request));
    expect(updated?.event).toBe('user.updated');
    expect(updated?.payload).toMatchObject({
      object: { id: world.member.id, pmi: 5551234567 },
      old_object: { id: world.member.id, pmi: world.member.pmi },
    });
  });

  it('app_deauthorized for a published app, none for a development app', async () => {
    await connect();
    await emulator.admin.deauthorize(world.app.client_id, world.owner.id);
    const [event] = receiver.events().map((request) => expectSigned(request));
    expect(event?.event).toBe('app_deauthorized');
    expect(event?.payload).toMatchObject({
      account_id: world.account.id,
      user_id: world.owner.id,
      client_id: world.app.client_id,
      user_data_retention: 'false',
    });
    expect(Object.keys(event?.payload ?? {}).sort()).toEqual([
      'account_id',
      'client_id',
      'deauthorization_time',
      'signature',
      'user_data_retention',
      'user_id',
    ]);

    const devApp = await emulator.admin.createApp({
      kind: 'user_level',
      redirect_uris: [REDIRECT_URI],
      scopes: ['user:read:user'],
      webhook_secret: SECRET,
      event_url: receiver.url,
    });
    await authorizeAndExchange(emulator, devApp, world.member);
    const before = receiver.events().length;
    await emulator.admin.deauthorize(devApp.client_id, world.member.id);
    expect(receiver.events()).toHaveLength(before);
  });

  it('routes events only to apps with an active grant covering the user', async () => {
    await emulator.admin.updateApp(world.app.id, { event_url: receiver.url });
    await emulator.admin.createMeeting({ host_id: world.member.id });
    expect(receiver.events()).toHaveLength(0);
    const userApp = await emulator.admin.createApp({
      kind: 'user_level',
      redirect_uris: [REDIRECT_URI],
      scopes: ['user:read:user'],
      webhook_secret: SECRET,
      event_url: receiver.url,
    });
    await authorizeAndExchange(emulator, userApp, world.owner);
    await emulator.admin.createMeeting({ host_id: world.member.id });
    expect(receiver.events()).toHaveLength(0);
    await emulator.admin.createMeeting({ host_id: world.owner.id });
    expect(receiver.events().map((request) => request.headers.clientid)).toEqual([
      userApp.client_id,
    ]);
  });
});

describe('retries', () => {
  it('retries after 5, 20 and 60 minutes of emulator time, then gives up', async () => {
    await emulator.admin.freezeClock();
    await connect();
    receiver.answerWith(500);
    await emulator.admin.createMeeting({ host_id: world.owner.id });
    const attempts = () => receiver.events().length;
    expect(attempts()).toBe(1);
    await emulator.admin.advanceClock(299);
    expect(attempts()).toBe(1);
    await emulator.admin.advanceClock(1);
    expect(attempts()).toBe(2);
    await emulator.admin.advanceClock(20 * 60 - 1);
    expect(attempts()).toBe(2);
    await emulator.admin.advanceClock(1);
    expect(attempts()).toBe(3);
    await emulator.admin.advanceClock(60 * 60);
    expect(attempts()).toBe(4);
    await emulator.admin.advanceClock(24 * 60 * 60);
    expect(attempts()).toBe(4);

    const bodies = new Set(receiver.events().map((request) => request.body));
    expect(bodies.size).toBe(1);
    const log = (await emulator.admin.webhooks()).filter(
      (entry) => entry.event === 'meeting.created',
    );
    expect(log.map((entry) => [entry.attempt, entry.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 500],
    ]);
    expect(log[0]?.body).toBe(receiver.events()[0]?.body);
    expect(log[0]?.headers['x-zm-signature']).toBe(receiver.events()[0]?.headers['x-zm-signature']);
  });

  it('stops retrying once a delivery succeeds; a connection error counts as a failure', async () => {
    await connect();
    receiver.answerWith(503);
    await emulator.admin.createMeeting({ host_id: world.owner.id });
    receiver.answerWith(204);
    await emulator.admin.advanceClock(5 * 60);
    await emulator.admin.advanceClock(2 * 60 * 60);
    expect(receiver.events()).toHaveLength(2);

    await receiver.close();
    await emulator.admin.createMeeting({ host_id: world.owner.id });
    const log = await emulator.admin.webhooks();
    const last = log.at(-1);
    expect(last).toMatchObject({ event: 'meeting.created', attempt: 1, status: null });
    receiver = await startReceiver(SECRET);
  });

  it('gives a receiver 3 seconds to answer, then schedules a retry', async () => {
    await emulator.admin.freezeClock();
    await connect();
    receiver.answerWith(0);
    const started = performance.now();
    await emulator.admin.createMeeting({ host_id: world.owner.id });
    expect(performance.now() - started).toBeGreaterThanOrEqual(2900);
    const [attempt] = (await emulator.admin.webhooks()).filter(
      (entry) => entry.event === 'meeting.created',
    );
    expect(attempt).toMatchObject({ attempt: 1, status: null });
    receiver.answerWith(200);
    await emulator.admin.advanceClock(5 * 60);
    const log = (await emulator.admin.webhooks()).filter(
      (entry) => entry.event === 'meeting.created',
    );
    expect(log.map((entry) => [entry.attempt, entry.status])).toEqual([
      [1, null],
      [2, 200],
    ]);
  });
});
