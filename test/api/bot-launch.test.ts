// Issue #11 part 3 and issue #13 item 13: a bot is launched once, through runtime failures, and a
// server without a bot runtime says so on the bot instead of leaving it "joining" forever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotRuntime, startBotRuntime } from '../support/bot-runtime.ts';
import { startTestHostpass, type TestHostpass } from '../support/hostpass.ts';
import { eventually, startZoomWorld, type ZoomWorld } from '../support/zoom-world.ts';

const BOTS = '/api/v1/bot/';
const IDEMPOTENCY_HEADER = 'x-hostpass-idempotency-key';
/** The default budget: the first attempt and 4 retries. */
const ATTEMPTS = 5;

interface Bot {
  id: string;
  join_at: string | null;
  launched_at: string | null;
  join_plan: unknown;
  status_changes: { code: string; sub_code: string | null; message: string | null }[];
}

let world: ZoomWorld;
let runtime: BotRuntime;

beforeAll(async () => {
  // Each bot's metadata.answers says what the runtime answers its requests (the last one repeats).
  runtime = await startBotRuntime(({ metadata, nth }) => {
    const answers = metadata.answers as number[];
    return answers[Math.min(nth, answers.length - 1)] as number;
  });
  world = await startZoomWorld({
    env: {
      HOSTPASS_BOT_RUNNER: 'http',
      HOSTPASS_BOT_RUNTIME_URL: runtime.url,
      HOSTPASS_BOT_RUNTIME_SECRET: 'runtime-secret-0123456789',
    },
  });
}, 120_000);
afterAll(async () => {
  await world?.close();
  await runtime?.close();
});

async function sendBot(hostpass: TestHostpass, json: Record<string, unknown>): Promise<Bot> {
  const created = await hostpass.api(BOTS, {
    method: 'POST',
    json: { meeting_url: 'https://zoom.us/j/12345678901?pwd=x1', ...json },
  });
  expect(created.status, created.text).toBe(201);
  return created.body;
}

const getBot = async (hostpass: TestHostpass, id: string): Promise<Bot> =>
  (await hostpass.api(`${BOTS}${id}/`)).body;

const launched = (hostpass: TestHostpass, id: string, timeoutMs?: number) =>
  eventually(
    async () => {
      const bot = await getBot(hostpass, id);
      return bot.launched_at ? bot : undefined;
    },
    'the launch',
    timeoutMs,
  );

const ended = (hostpass: TestHostpass, id: string, timeoutMs?: number) =>
  eventually(
    async () => {
      const bot = await getBot(hostpass, id);
      return bot.status_changes.some((change) => change.code === 'fatal') ? bot : undefined;
    },
    'the bot to end',
    timeoutMs,
  );

describe('launching through the HTTP runtime', () => {
  it('retries a runtime answering 5xx with the same idempotency key, and launches once', {
    timeout: 90_000,
  }, async () => {
    const bot = await sendBot(world.hostpass, { metadata: { answers: [503, 500, 202] } });
    const done = await launched(world.hostpass, bot.id, 60_000);
    const requests = runtime.of(bot.id);
    expect(requests.map((request) => request.status)).toEqual([503, 500, 202]);
    expect(requests.map((request) => request.headers[IDEMPOTENCY_HEADER])).toEqual([
      bot.id,
      bot.id,
      bot.id,
    ]);
    expect(done.status_changes.map((change) => change.code)).not.toContain('fatal');
    // Said once, not once per attempt.
    expect(
      done.status_changes.filter(
        (change) => change.code === 'joining_call' && change.sub_code === null,
      ),
    ).toHaveLength(1);
  });

  it('ends the bot fatal, with a sub_code and a log line, once the retry budget is spent', {
    timeout: 150_000,
  }, async () => {
    const bot = await sendBot(world.hostpass, { metadata: { answers: [502] } });
    const done = await ended(world.hostpass, bot.id, 120_000);
    expect(runtime.of(bot.id)).toHaveLength(ATTEMPTS);
    expect(
      new Set(runtime.of(bot.id).map((request) => request.headers[IDEMPOTENCY_HEADER])),
    ).toEqual(new Set([bot.id]));
    expect(done.launched_at).toBeNull();
    expect(done.status_changes.at(-1)).toMatchObject({
      code: 'fatal',
      sub_code: 'bot_runtime_unreachable',
      message: `Gave up launching the bot after ${ATTEMPTS} attempts: The bot runtime answered HTTP 502.`,
    });
    const line = world.hostpass.logLines
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry.botId === bot.id && entry.level === 50);
    expect(line).toMatchObject({
      subCode: 'bot_runtime_unreachable',
      msg: `Gave up launching the bot after ${ATTEMPTS} attempts: The bot runtime answered HTTP 502.`,
    });
  });

  it('does not retry a runtime that refuses the plan (4xx)', async () => {
    const bot = await sendBot(world.hostpass, { metadata: { answers: [422] } });
    const done = await ended(world.hostpass, bot.id);
    expect(done.status_changes.at(-1)).toMatchObject({
      code: 'fatal',
      sub_code: 'bot_runtime_refused',
    });
    expect(runtime.of(bot.id)).toHaveLength(1);
  });

  it('launches a bot whose join_at is in the past at once', async () => {
    const joinAt = new Date(Date.now() - 3_600_000).toISOString();
    const bot = await sendBot(world.hostpass, { join_at: joinAt, metadata: { answers: [202] } });
    const done = await launched(world.hostpass, bot.id);
    expect(runtime.of(bot.id).map((request) => request.status)).toEqual([202]);
    expect(done.join_at).toBe(joinAt);
  });
});

describe('without a bot runtime (HOSTPASS_BOT_RUNNER=none)', () => {
  it('records the plan and ends the bot with no_bot_runtime instead of joining forever', {
    timeout: 120_000,
  }, async () => {
    const hostpass = await startTestHostpass({
      env: { ZOOM_OAUTH_URL: world.emulator.url, ZOOM_API_URL: `${world.emulator.url}/v2` },
    });
    try {
      const bot = await sendBot(hostpass, {});
      const done = await ended(hostpass, bot.id);
      expect(done.status_changes.map((change) => change.code)).not.toContain('in_call_recording');
      expect(done.status_changes.at(-1)).toMatchObject({
        code: 'fatal',
        sub_code: 'no_bot_runtime',
        message: expect.stringContaining('HOSTPASS_BOT_RUNNER'),
      });
      expect(done.join_plan).toMatchObject({ meeting_id: 12345678901 });
      expect(done.launched_at).toBeNull();
    } finally {
      await hostpass.close();
    }
  });
});
