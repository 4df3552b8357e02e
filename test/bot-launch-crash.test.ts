// Issue #11 part 3: a bot whose launch is cut by a crash still joins, once, and on time. Hostpass
// runs as a real process, killed with SIGKILL while the bot runtime holds the join plan's request
// unanswered; once Hostpass is back, the runtime gets the plan again (same idempotency key) within
// a minute, accepts it, and the bot is launched exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { type BotRuntime, startBotRuntime } from './support/bot-runtime.ts';
import { crashableHostpass } from './support/crashable.ts';
import { eventually } from './support/zoom-world.ts';

/** The promise: a launch cut by a crash is made within a minute of the restart. */
const RESUME_WITHIN_MS = 60_000;

let emulator: RunningEmulator;
let runtime: BotRuntime;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  // The first request for a bot hangs (Hostpass dies waiting); later ones are accepted.
  runtime = await startBotRuntime(({ nth }) => (nth === 0 ? 'hang' : 202));
});
afterAll(async () => {
  await runtime?.close();
  await emulator?.close();
});

describe('a bot launch interrupted by kill -9', () => {
  it('reaches the runtime after the restart, within a minute, once per idempotency key', {
    timeout: 400_000,
  }, async () => {
    const hostpass = await crashableHostpass({
      zoomUrl: emulator.url,
      env: {
        HOSTPASS_BOT_RUNNER: 'http',
        HOSTPASS_BOT_RUNTIME_URL: runtime.url,
        HOSTPASS_BOT_RUNTIME_SECRET: 'runtime-secret-0123456789',
      },
    });
    const { api } = hostpass;

    try {
      await hostpass.start();
      const created = await api('/api/v1/bot/', {
        method: 'POST',
        json: { meeting_url: 'https://zoom.us/j/12345678901?pwd=x1' },
      });
      expect(created.status, created.text).toBe(201);
      const botId: string = created.body.id;
      // The runtime holds the plan; Hostpass dies waiting for its answer.
      await eventually(async () => runtime.of(botId)[0], 'the first runtime request');
      await hostpass.stopAll();

      await hostpass.start();
      const restartedAt = Date.now();
      const bot = await eventually(
        async () => {
          const current = await api(`/api/v1/bot/${botId}/`);
          return current.body.launched_at ? current.body : undefined;
        },
        'the launch after the restart',
        RESUME_WITHIN_MS,
      );
      const resumedAfterMs = Date.now() - restartedAt;
      expect(resumedAfterMs).toBeLessThan(RESUME_WITHIN_MS);

      const requests = runtime.of(botId);
      // Every request carries the bot's id as its idempotency key; the runtime accepted one.
      expect(requests.map((each) => each.headers['x-hostpass-idempotency-key'])).toEqual(
        requests.map(() => botId),
      );
      expect(requests.map((each) => each.status)).toEqual([null, 202]);
      expect(bot.status_changes.map((change: { code: string }) => change.code)).not.toContain(
        'fatal',
      );
      expect(
        bot.status_changes.filter(
          (change: { code: string; sub_code: string | null }) =>
            change.code === 'joining_call' && change.sub_code === null,
        ),
      ).toHaveLength(1);
    } finally {
      await hostpass.stopAll();
    }
  });
});
