import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Meeting } from '../../emulator/model.ts';
import { startTestHostpass } from '../support/hostpass.ts';
import {
  connectCredential,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const BOTS = '/api/v1/bot/';
let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld({ env: { HOSTPASS_BOT_RUNNER: 'emulator' } });
});
afterAll(() => world.close());

let counter = 0;
const joinUrl = (meeting: Meeting) => `https://zoom.us/j/${meeting.id}?pwd=${meeting.password}`;

/** A host whose meetings have a waiting room; connected (and synced) unless `connect` is false. */
async function hostMeeting(kind: 'user_level' | 'account_level' = 'user_level', connect = true) {
  counter += 1;
  const account = await world.zoom.createAccount({ plan: 'pro', third_party_recording: true });
  const host = await world.zoom.createUser({
    account_id: account.id,
    email: `bothost${counter}@example.com`,
    role: 'admin',
  });
  const meeting = await world.zoom.createMeeting({ host_id: host.id, waiting_room: true });
  if (connect) {
    const created = await connectCredential(world, await registerApp(world, kind), host.id);
    await eventually(async () => {
      const credential = (
        await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${created.body.id}/`)
      ).body;
      return credential.meeting_sync_status === 'completed' ? true : undefined;
    }, 'the sync');
  }
  return meeting;
}

async function untilStatus(botId: string, code: string) {
  return eventually(async () => {
    const bot = (await world.hostpass.api(`${BOTS}${botId}/`)).body;
    return bot.status_changes.some((change: { code: string }) => change.code === code)
      ? bot
      : undefined;
  }, `bot status ${code}`);
}

const codes = (bot: { status_changes: { code: string }[] }) =>
  bot.status_changes.map((change) => change.code);

describe('Create Bot API with the emulator runner', () => {
  it('joins with the minted join token: waiting room bypassed, recording allowed without asking the host', async () => {
    const meeting = await hostMeeting();
    const created = await world.hostpass.api(BOTS, {
      method: 'POST',
      json: {
        meeting_url: joinUrl(meeting),
        bot_name: 'Notetaker',
        metadata: { deal: '42' },
        recording_config: { ignored: true },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      bot_name: 'Notetaker',
      metadata: { deal: '42' },
      variant: { zoom: 'web' },
      join_plan: null,
    });
    const bot = await untilStatus(created.body.id, 'in_call_recording');
    expect(codes(bot)).toEqual([
      'joining_call',
      'in_call_not_recording',
      'recording_permission_allowed',
      'in_call_recording',
    ]);
    expect(bot.join_plan).toMatchObject({
      meeting_id: Number(meeting.id),
      tokens: ['join_token'],
      source: 'credentials',
      fallback: null,
    });
    expect(JSON.stringify(bot)).not.toMatch(/"token":/);
  });

  it('native bots of an account-level grant get the 3rd party recording token', async () => {
    const meeting = await hostMeeting('account_level');
    const created = await world.hostpass.api(BOTS, {
      method: 'POST',
      json: { meeting_url: joinUrl(meeting), variant: { zoom: 'native' } },
    });
    const bot = await untilStatus(created.body.id, 'in_call_recording');
    expect(bot.join_plan.tokens).toEqual(['join_token', 'third_party_recording_token']);
  });

  it('falls back to asking the host when no credential reaches the meeting', async () => {
    const meeting = await hostMeeting('user_level', false);
    const created = await world.hostpass.api(BOTS, {
      method: 'POST',
      json: { meeting_url: joinUrl(meeting) },
    });
    const bot = await untilStatus(created.body.id, 'in_waiting_room');
    expect(bot.status_changes[1]).toMatchObject({
      code: 'joining_call',
      sub_code: 'zoom_join_token_fetch_using_zoom_oauth_failed',
    });
    expect(bot.join_plan).toMatchObject({
      tokens: [],
      source: 'none',
      fallback: 'ask_host_for_recording',
    });
  });

  it("uses the caller's token URLs when given (here: Hostpass's own)", async () => {
    const meeting = await hostMeeting();
    const urls = await world.hostpass.api('/api/v2/zoom-token-urls/', {
      method: 'POST',
      json: { meeting_url: joinUrl(meeting), kinds: ['join_token'] },
    });
    const created = await world.hostpass.api(BOTS, {
      method: 'POST',
      json: { meeting_url: joinUrl(meeting), zoom: { join_token_url: urls.body.join_token_url } },
    });
    const bot = await untilStatus(created.body.id, 'in_call_recording');
    expect(bot.join_plan).toMatchObject({ tokens: ['join_token'], source: 'token_urls' });
  });

  it('joins at join_at, through the durable job queue', async () => {
    const meeting = await hostMeeting();
    const joinAt = new Date(Date.now() + 1500).toISOString();
    const created = await world.hostpass.api(BOTS, {
      method: 'POST',
      json: { meeting_url: joinUrl(meeting), join_at: joinAt },
    });
    expect(created.body.status_changes).toEqual([]);
    const bot = await untilStatus(created.body.id, 'joining_call');
    expect(Date.parse(bot.status_changes[0].created_at)).toBeGreaterThanOrEqual(
      Date.parse(joinAt) - 50,
    );
  });

  it('lists bots, takes status reports from runtimes, and refuses junk', async () => {
    const meeting = await hostMeeting();
    const created = await world.hostpass.api(BOTS, {
      method: 'POST',
      json: { meeting_url: joinUrl(meeting) },
    });
    await untilStatus(created.body.id, 'in_call_recording');
    const reported = await world.hostpass.api(`${BOTS}${created.body.id}/status-changes/`, {
      method: 'POST',
      json: { code: 'call_ended', sub_code: 'bot_left', message: 'The meeting ended.' },
    });
    expect(reported.status).toBe(201);
    expect(codes(reported.body).at(-1)).toBe('call_ended');
    const listed = await world.hostpass.api(`${BOTS}?ordering=-created_at&page_size=1`);
    expect(listed.body.results[0].id).toBe(created.body.id);
    expect(listed.body.next).toBeTruthy();
    const junk = await world.hostpass.api(BOTS, {
      method: 'POST',
      json: { meeting_url: 'https://meet.example.com/abc' },
    });
    expect(junk.status).toBe(400);
    expect(Object.keys(junk.body)).toEqual(['meeting_url']);
    expect((await world.hostpass.api(`${BOTS}00000000-0000-4000-8000-000000000000/`)).status).toBe(
      404,
    );
  });
});

describe('the HTTP bot runtime', () => {
  it('receives a signed join plan and reports back through the API', async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const runtime: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => runtime.listen(0, '127.0.0.1', resolve));
    const address = runtime.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const secret = 'runtime-secret-0123456789';
    const hostpass = await startTestHostpass({
      env: {
        ZOOM_OAUTH_URL: world.emulator.url,
        ZOOM_API_URL: `${world.emulator.url}/v2`,
        HOSTPASS_BOT_RUNNER: 'http',
        HOSTPASS_BOT_RUNTIME_URL: `http://127.0.0.1:${port}/bots`,
        HOSTPASS_BOT_RUNTIME_SECRET: secret,
      },
    });
    try {
      const created = await hostpass.api(BOTS, {
        method: 'POST',
        json: { meeting_url: 'https://zoom.us/j/12345678901?pwd=x1' },
      });
      const delivery = await eventually(async () => received[0], 'the runtime call');
      const timestamp = String(delivery.headers['x-hostpass-request-timestamp']);
      const expected = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${delivery.body}`).digest('hex')}`;
      expect(delivery.headers['x-hostpass-signature']).toBe(expected);
      expect(JSON.parse(delivery.body)).toMatchObject({
        // The link as given, passcode included: it is stored sealed, not lost (issue 13).
        bot: { id: created.body.id, meeting_url: 'https://zoom.us/j/12345678901?pwd=x1' },
        plan: {
          meeting_id: 12345678901,
          password: 'x1',
          variant: 'web',
          fallback: 'ask_host_for_recording',
        },
      });
      const reported = await hostpass.api(`${BOTS}${created.body.id}/status-changes/`, {
        method: 'POST',
        json: { code: 'in_waiting_room' },
      });
      expect(codes(reported.body)).toContain('in_waiting_room');
    } finally {
      await hostpass.close();
      await new Promise((resolve) => runtime.close(resolve));
    }
  });
});
