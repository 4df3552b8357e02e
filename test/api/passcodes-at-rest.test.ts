import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactMeetingSecrets } from '../../src/zoom/meeting-secrets.ts';
import { databaseDump } from '../support/dump.ts';
import { startTestHostpass, type TestHostpass } from '../support/hostpass.ts';
import {
  connectCredential,
  createZoomUser,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld();
});
afterAll(() => world.close());

/** Zoom's passcodes are at most 10 alphanumeric characters. */
const passcode = () => `Pc${randomBytes(6).toString('hex').slice(0, 8)}`;

describe('meeting passcodes at rest (issue 13)', () => {
  it('are in no table after a full flow: Zoom events, bots, jobs; the API still gives the link as sent', async () => {
    const hostpass = world.hostpass;
    const connected = await registerApp(world, 'user_level');
    const app = (await hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
    await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.webhook_url });
    const host = await createZoomUser(world);
    expect((await connectCredential(world, connected, host.id)).status).toBe(201);

    // Zoom tells Hostpass about the meeting (meeting.created), then a passcode change (meeting.updated).
    const [first, second] = [passcode(), passcode()];
    const meeting = await world.zoom.createMeeting({ host_id: host.id, password: first });
    await world.zoom.updateMeeting(meeting.id, { password: second });
    const { rows: events } = await eventually(async () => {
      const result = await hostpass.runtime.db.query<{ event: string; processed_at: string }>(
        'SELECT event, processed_at FROM zoom_webhook_events WHERE oauth_app_id = $1',
        [connected.app.id],
      );
      return result.rows.length === 2 && result.rows.every((row) => row.processed_at)
        ? result
        : undefined;
    }, 'both events stored and processed');
    expect(events.map((event) => event.event).sort()).toEqual([
      'meeting.created',
      'meeting.updated',
    ]);
    const mapped = await hostpass.api(
      `/api/v2/zoom-meetings-to-credentials/?meeting_id=${meeting.id}`,
    );
    expect(mapped.body.results).toHaveLength(1);

    // Bots sent with the passcode in their links, in each shape a link comes in.
    const links = [
      `https://us05web.zoom.us/j/${meeting.id}?pwd=${second}`,
      `zoommtg://zoom.us/join?confno=${meeting.id}&pwd=${second}&uname=Notes`,
    ];
    const bots = [];
    for (const meetingUrl of links) {
      const created = await hostpass.api('/api/v1/bot/', {
        method: 'POST',
        json: { meeting_url: meetingUrl },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body.meeting_url).toBe(meetingUrl);
      bots.push(created.body as { id: string; meeting_url: string });
    }
    for (const bot of bots) {
      await eventually(async () => {
        const current = await hostpass.api(`/api/v1/bot/${bot.id}/`);
        return current.body.join_plan ? current : undefined;
      }, 'the join job');
      expect((await hostpass.api(`/api/v1/bot/${bot.id}/`)).body.meeting_url).toBe(bot.meeting_url);
    }
    const listed = await hostpass.api('/api/v1/bot/?page_size=200');
    expect(listed.body.results.map((bot: { meeting_url: string }) => bot.meeting_url)).toEqual(
      expect.arrayContaining(links),
    );

    const dump = await databaseDump(hostpass.storage, hostpass.runtime.db);
    expect(dump).toContain(String(meeting.id)); // the dump is not empty
    expect(dump).toContain('pgboss'); // and holds the job queue
    for (const secret of [first, second]) expect(dump).not.toContain(secret);
  });

  it('seals the links of bots stored in clear by an earlier version, at start', async () => {
    const secret = passcode();
    const meetingUrl = `https://zoom.us/j/85012345678?pwd=${secret}`;
    const id = randomUUID();
    const earlier = await startTestHostpass({ workers: false });
    let restarted: TestHostpass | undefined;
    try {
      // As an earlier version wrote it.
      await earlier.runtime.db.query(
        `INSERT INTO bots (id, workspace_id, meeting_url, meeting_id, bot_name)
         SELECT $1, workspace_id, $2, 85012345678, 'Earlier' FROM api_keys LIMIT 1`,
        [id, meetingUrl],
      );
      await earlier.close();
      restarted = await startTestHostpass({
        storage: earlier.storage,
        apiKey: earlier.apiKey,
        workers: false,
      });
      expect((await restarted.api(`/api/v1/bot/${id}/`)).body.meeting_url).toBe(meetingUrl);
      expect(await databaseDump(restarted.storage, restarted.runtime.db)).not.toContain(secret);
    } finally {
      await (restarted ?? earlier).close().catch(() => {});
    }
  });

  it('redacts Zoom events stored by an earlier version the way new ones are (migration 013)', async () => {
    const connected = await registerApp(world, 'user_level');
    const secret = passcode();
    const payloads = [
      {
        account_id: 'acc',
        operator: 'o@example.com',
        object: {
          id: 85012345678,
          host_id: 'h1',
          topic: 'A "password" review \\ [pwd=]',
          join_url: `https://us05web.zoom.us/j/85012345678?pwd=${secret}.1`,
          password: secret,
          h323_password: '123456',
          pstn_password: 123456,
          encrypted_password: `${secret}.1`,
          settings: { use_pmi: false, waiting_room: true },
        },
        old_object: { id: 85012345678, password: `old${secret}` },
      },
      {
        account_id: 'acc',
        object: {
          uuid: 'u==',
          share_url: `https://zoom.us/rec/share/abc?pwd=${secret}&startTime=1`,
          recording_play_passcode: secret,
          start_url: `https://zoom.us/s/85012345678?zak=${secret}`,
        },
      },
      { account_id: 'acc', object: { id: 'user1', pmi: 5551234567 } },
    ];
    const { db } = world.hostpass.runtime;
    const { rows } = await db.query<{ workspace_id: string }>(
      'SELECT workspace_id FROM zoom_oauth_apps WHERE id = $1',
      [connected.app.id],
    );
    const ids = [];
    for (const payload of payloads) {
      const eventId = randomUUID();
      ids.push(eventId);
      await db.query(
        `INSERT INTO zoom_webhook_events (id, workspace_id, oauth_app_id, event, payload, body_sha256, processed_at)
         VALUES ($1, $2, $3, 'meeting.created', $4::jsonb, $5, now())`,
        [eventId, rows[0]?.workspace_id, connected.app.id, JSON.stringify(payload), eventId],
      );
    }
    const migration = await readFile(
      path.resolve(
        import.meta.dirname,
        '../../src/db/migrations/013_redact_stored_event_passcodes.sql',
      ),
      'utf8',
    );
    await db.execScript(migration);
    for (const [index, eventId] of ids.entries()) {
      const stored = await db.query<{ payload: unknown }>(
        'SELECT payload FROM zoom_webhook_events WHERE id = $1',
        [eventId],
      );
      expect(stored.rows[0]?.payload).toEqual(redactMeetingSecrets(payloads[index] ?? {}));
    }
    expect(await databaseDump(world.hostpass.storage, db)).not.toContain(secret);
  });
});
