import { describe, expect, it } from 'vitest';
import type { ZoomHttp } from '../zoom/http.ts';
import { createEmulatorRunner, type JoinPlan, LaunchError } from './runners.ts';
import type { BotRow } from './store.ts';

const plan: JoinPlan = {
  meetingId: 81234567890,
  password: null,
  variant: 'web',
  tokens: {},
  fallback: 'ask_host_for_recording',
};

/** The emulator runner with the join answered by `status` and `text`; what it reported. */
async function launchAnswered(status: number, text: string) {
  const http: ZoomHttp = {
    send: async () => ({ status, headers: {}, text }),
    close: async () => {},
  };
  const runner = createEmulatorRunner({ http, emulatorUrl: 'http://127.0.0.1:1' });
  const reports: unknown[][] = [];
  const launched = runner.launch({} as BotRow, plan, async (...report) => {
    reports.push(report);
  });
  return { launched, reports };
}

describe('the emulator runner reads the join answer by its schema', () => {
  it('reports what a well-formed answer says (a refusal comes as a 403)', async () => {
    const { launched, reports } = await launchAnswered(
      403,
      JSON.stringify({ admitted: 'refused', recording: 'denied', reason: 'Locked.' }),
    );
    await launched;
    expect(reports).toEqual([['fatal', 'meeting_refused_bot', 'Locked.']]);
  });

  it('refuses a malformed answer with a clear, final failure and reports nothing', async () => {
    const { launched, reports } = await launchAnswered(200, '{}');
    const error = await launched.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LaunchError);
    expect(error).toMatchObject({ subCode: 'bot_runtime_bad_answer', retryable: false });
    expect((error as LaunchError).message).toMatch(
      /^The answer to \/_emulator\/meetings\/81234567890\/join was malformed \(.*admitted.*\)\.$/,
    );
    expect(reports).toEqual([]);
  });

  it('tries again when the answer is not JSON at all', async () => {
    const { launched } = await launchAnswered(502, '<html>Bad gateway</html>');
    await expect(launched).rejects.toMatchObject({
      subCode: 'bot_runtime_unreachable',
      retryable: true,
    });
  });
});
