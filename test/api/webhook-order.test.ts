// Issue #11 part 4: Zoom events of one meeting apply in order even when one of them fails and is
// retried; a failure holds back only its own meeting; an event failing past its retries is given
// up (failed, with a line in the app's log) and its meeting's later events go ahead.
//
// Failures are forced in the database Hostpass writes to: a trigger refuses the mappings of a
// host's meetings (a sequence, which a rolled-back transaction does not undo, counts the refusals).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User as EmulatorUser } from '../../emulator/model.ts';
import {
  type ConnectedApp,
  connectCredential,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const EVENTS = '/api/v2/zoom-webhook-events/';
const MAPPINGS = '/api/v2/zoom-meetings-to-credentials/';
/** Retries after the first attempt (delays of about 2-4, 4-8 and 8-16 s). */
const RETRIES = 3;

interface EventView {
  id: string;
  event: string;
  status: 'pending' | 'processed' | 'failed';
  attempts: number;
  processing_error: string | null;
  processed_at: string | null;
  created_at: string;
}

let world: ZoomWorld;
let connected: ConnectedApp;
let credentialId: string;
let host: EmulatorUser;
let other: EmulatorUser;
let flaky: EmulatorUser;
let doomed: EmulatorUser;

beforeAll(async () => {
  world = await startZoomWorld({
    env: {
      HOSTPASS_WEBHOOK_EVENT_RETRIES: String(RETRIES),
      HOSTPASS_ZOOM_RATE_MEDIUM: '4000',
      HOSTPASS_ZOOM_RATE_LIGHT: '4000',
    },
  });
  const fast = { per_second: 5000, per_day: null };
  const account = await world.zoom.createAccount({
    plan: 'pro',
    rate_limits: { light: fast, medium: fast },
  });
  host = await world.zoom.createUser({
    account_id: account.id,
    email: `order-host-${Date.now()}@example.com`,
    role: 'admin',
  });
  const member = (name: string) =>
    world.zoom.createUser({
      account_id: account.id,
      email: `order-${name}-${Date.now()}@example.com`,
    });
  other = await member('other');
  flaky = await member('flaky');
  doomed = await member('doomed');
  connected = await registerApp(world, 'account_level');
  const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
  await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.webhook_url });
  const created = await connectCredential(world, connected, host.id);
  expect(created.status, created.text).toBe(201);
  credentialId = created.body.id;
  await eventually(
    async () => {
      const credential = (
        await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${credentialId}/`)
      ).body;
      return credential.meeting_sync_status === 'completed' ? true : undefined;
    },
    'the first sync',
    60_000,
  );
}, 120_000);
afterAll(() => world.close());

/**
 * Mappings of `hostId`'s meetings are refused during the first `attempts` attempts of the event
 * that creates the meeting (every time: null). Counted in attempts, not tries: an event applied
 * with others in one transaction is tried again alone when that transaction fails, in the same
 * attempt.
 */
async function refuseMappings(hostId: string, attempts: number | null): Promise<void> {
  const name = `forced_${hostId.replace(/\W/g, '_').toLowerCase()}`;
  const db = world.hostpass.runtime.db;
  const limit =
    attempts === null
      ? ''
      : ` AND (SELECT attempts FROM zoom_webhook_events WHERE event = 'meeting.created'
             AND payload->'object'->>'id' = NEW.meeting_id::text) < ${attempts}`;
  await db.query(
    `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.host_user_id = '${hostId}'${limit} THEN
         RAISE EXCEPTION 'forced failure for host ${hostId}';
       END IF;
       RETURN NEW;
     END $$`,
  );
  await db.query(
    `CREATE TRIGGER ${name} BEFORE INSERT ON zoom_meeting_mappings
     FOR EACH ROW EXECUTE FUNCTION ${name}()`,
  );
}

/** The app's events about `meetingId`, oldest first. */
async function eventsOf(meetingId: number): Promise<EventView[]> {
  const page = await world.hostpass.api(
    `${EVENTS}?oauth_app=${connected.app.id}&ordering=created_at&page_size=200`,
  );
  expect(page.status, page.text).toBe(200);
  const { rows } = await world.hostpass.runtime.db.query<{ id: string }>(
    "SELECT id FROM zoom_webhook_events WHERE payload->'object'->>'id' = $1",
    [String(meetingId)],
  );
  const ids = new Set(rows.map((row) => row.id));
  return page.body.results.filter((event: EventView) => ids.has(event.id));
}

const mapped = async (meetingId: number) =>
  (await world.hostpass.api(`${MAPPINGS}?meeting_id=${meetingId}&credential=${credentialId}`)).body
    .results;

const settled = (events: EventView[], count: number) =>
  events.length === count && events.every((event) => event.status !== 'pending')
    ? events
    : undefined;

const at = (event: EventView | undefined) => Date.parse(event?.processed_at ?? '');

describe('webhook events of one meeting under retries', () => {
  it("a failing event holds back its meeting's later events, not another meeting's; then all apply in order", {
    timeout: 120_000,
  }, async () => {
    // The flaky host's mapping is refused in two attempts: their meeting's first event fails twice.
    await refuseMappings(flaky.id, 2);
    const meeting = Number((await world.zoom.createMeeting({ host_id: flaky.id })).id);
    const free = Number((await world.zoom.createMeeting({ host_id: host.id })).id);
    await world.zoom.updateMeeting(meeting, { host_id: other.id });
    await world.zoom.updateMeeting(meeting, { topic: 'Renamed' });
    await world.zoom.deleteMeeting(meeting);
    await world.zoom.updateMeeting(free, { host_id: other.id });

    // While the first event waits for its retry, it shows why; the ones after it wait.
    const waiting = await eventually(async () => {
      const events = await eventsOf(meeting);
      return events[0]?.processing_error ? events : undefined;
    }, 'the first failure');
    expect(waiting[0]).toMatchObject({
      event: 'meeting.created',
      status: 'pending',
      processing_error: expect.stringContaining(`forced failure for host ${flaky.id}`),
    });
    expect(waiting[0]?.attempts).toBeGreaterThanOrEqual(1);

    const events = await eventually(
      async () => settled(await eventsOf(meeting), 4),
      'the meeting events',
      60_000,
    );
    expect(events.map(({ event, status }) => ({ event, status }))).toEqual([
      { event: 'meeting.created', status: 'processed' },
      { event: 'meeting.updated', status: 'processed' },
      { event: 'meeting.updated', status: 'processed' },
      { event: 'meeting.deleted', status: 'processed' },
    ]);
    expect(events.map((event) => event.attempts)).toEqual([3, 1, 1, 1]);
    expect(events[0]?.processing_error).toBeNull();
    // Each ran once the one before it had succeeded.
    for (let index = 1; index < events.length; index += 1)
      expect(at(events[index])).toBeGreaterThanOrEqual(at(events[index - 1]));
    // Applied in order, the meeting ends deleted (out of order, a late create would map it).
    expect(await mapped(meeting)).toEqual([]);

    // The other meeting's event did not wait for the failing one.
    const [, freeUpdate] = await eventually(
      async () => settled(await eventsOf(free), 2),
      'the free meeting events',
    );
    expect(freeUpdate).toMatchObject({ event: 'meeting.updated', status: 'processed' });
    expect(at(freeUpdate)).toBeLessThan(at(events[0]));
    expect((await mapped(free))[0]).toMatchObject({ host_user_id: other.id });
  });

  it('an event failing past its retries is failed, logged in the app log, and its meeting moves on', {
    timeout: 150_000,
  }, async () => {
    await refuseMappings(doomed.id, null);
    const meeting = Number((await world.zoom.createMeeting({ host_id: doomed.id })).id);
    await world.zoom.deleteMeeting(meeting);

    const [created, deleted] = await eventually(
      async () => settled(await eventsOf(meeting), 2),
      'the doomed meeting events',
      90_000,
    );
    expect(created).toMatchObject({
      event: 'meeting.created',
      status: 'failed',
      attempts: RETRIES + 1,
      processing_error: expect.stringContaining(`forced failure for host ${doomed.id}`),
    });
    expect(deleted).toMatchObject({ event: 'meeting.deleted', status: 'processed', attempts: 1 });
    expect(at(deleted)).toBeGreaterThanOrEqual(at(created));
    const failedOnly = await world.hostpass.api(
      `${EVENTS}?oauth_app=${connected.app.id}&status=failed`,
    );
    expect(failedOnly.body.results.map((event: EventView) => event.id)).toEqual([created?.id]);

    const logs = await world.hostpass.api(
      `/api/v2/zoom-oauth-app-logs/?oauth_app=${connected.app.id}`,
    );
    expect(logs.body.results).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: expect.stringMatching(
          new RegExp(
            `^Gave up applying the Zoom event meeting\\.created \\(${created?.id}\\) after ${RETRIES + 1} attempts: .*forced failure for host ${doomed.id}`,
          ),
        ),
      }),
    );
  });
});
