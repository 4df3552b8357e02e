import { createHmac } from 'node:crypto';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { errorMessage } from '../errors.ts';
import type { ZoomHttp } from '../zoom/http.ts';
import type { BotRow, ZoomVariant } from './store.ts';

/** What a bot needs to join: the meeting, and whichever tokens Hostpass could get. */
export interface JoinPlan {
  meetingId: number;
  password: string | null;
  variant: ZoomVariant;
  tokens: {
    join_token?: string;
    third_party_recording_token?: string;
    zak?: string;
    obf?: string;
  };
  fallback: 'ask_host_for_recording' | null;
}

export type ReportStatus = (
  code: string,
  subCode?: string | null,
  message?: string | null,
) => Promise<void>;

/**
 * Hands a join plan to whatever runs bots; status changes come back through `report`. Resolves once
 * the runtime has accepted the plan; throws a LaunchError (or any error: retried) when it has not.
 */
export interface BotRunner {
  readonly name: string;
  /** False when nothing runs bots (HOSTPASS_BOT_RUNNER=none): plans are built, never launched. */
  readonly launches: boolean;
  launch(bot: BotRow, plan: JoinPlan, report: ReportStatus): Promise<void>;
}

/** A launch that did not happen; `retryable` when trying again later may succeed. */
export class LaunchError extends Error {
  readonly subCode: string;
  readonly retryable: boolean;
  constructor(message: string, subCode: string, retryable: boolean) {
    super(message);
    this.name = 'LaunchError';
    this.subCode = subCode;
    this.retryable = retryable;
  }
}

/** No runtime configured: the plan is recorded, and nothing will join the meeting. */
export const noRunner: BotRunner = {
  name: 'none',
  launches: false,
  async launch() {
    throw new LaunchError(
      'No bot runtime is configured (HOSTPASS_BOT_RUNNER=none).',
      'no_bot_runtime',
      false,
    );
  },
};

/** Statuses worth trying again: the runtime is overloaded, restarting, or timed out. */
const isRetryableStatus = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * An outgoing call to your bot runtime: `POST {url}` with the bot and its plan as JSON, signed like
 * Zoom signs its webhooks (`x-hostpass-signature: v0=hex(HMAC_SHA256(secret, "v0:" + ts + ":" + body))`,
 * `x-hostpass-request-timestamp` in seconds). A 2xx accepts the plan; a timeout, a network error,
 * 408, 429 or 5xx is tried again (the same `x-hostpass-idempotency-key`, the bot's id, every time,
 * so the runtime can tell a retry from a new bot); any other answer refuses it. The runtime
 * reports back through `POST /api/v1/bot/{id}/status-changes/`.
 */
export function createHttpRunner(deps: {
  http: ZoomHttp;
  url: string;
  secret: string;
  timeoutMs?: number;
}): BotRunner {
  return {
    name: 'http',
    launches: true,
    async launch(bot, plan) {
      const body = JSON.stringify({
        bot: {
          id: bot.id,
          bot_name: bot.bot_name,
          meeting_url: bot.meeting_url,
          metadata: bot.metadata,
        },
        plan: {
          meeting_id: plan.meetingId,
          password: plan.password,
          variant: plan.variant,
          tokens: plan.tokens,
          fallback: plan.fallback,
        },
      });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac('sha256', deps.secret)
        .update(`v0:${timestamp}:${body}`)
        .digest('hex');
      let status: number;
      try {
        ({ status } = await deps.http.send({
          method: 'POST',
          url: deps.url,
          headers: {
            'content-type': 'application/json',
            'x-hostpass-request-timestamp': timestamp,
            'x-hostpass-signature': `v0=${signature}`,
            'x-hostpass-idempotency-key': bot.id,
          },
          body,
          timeoutMs: deps.timeoutMs ?? 10_000,
        }));
      } catch (error) {
        throw new LaunchError(
          `The bot runtime did not answer: ${errorMessage(error)}`,
          'bot_runtime_unreachable',
          true,
        );
      }
      if (status >= 200 && status < 300) return;
      throw isRetryableStatus(status)
        ? new LaunchError(
            `The bot runtime answered HTTP ${status}.`,
            'bot_runtime_unreachable',
            true,
          )
        : new LaunchError(`The bot runtime answered HTTP ${status}.`, 'bot_runtime_refused', false);
    },
  };
}

/** What the emulator says Zoom decided about a join: its answer is outside input, so it is checked. */
const EmulatorJoinResult = Type.Object({
  admitted: Type.Union([
    Type.Literal('direct'),
    Type.Literal('waiting_room'),
    Type.Literal('refused'),
  ]),
  recording: Type.Union([
    Type.Literal('allowed'),
    Type.Literal('must_ask_host'),
    Type.Literal('denied'),
  ]),
  reason: Type.String(),
});

const joinResult = Compile(EmulatorJoinResult);

/**
 * The join's answer as the schema says. JSON of another shape is a refusal (LaunchError
 * `bot_runtime_bad_answer`, not retried: the same runtime would answer the same way); a body that
 * is not JSON at all (a proxy's error page) is tried again, as it was before the check.
 */
function readJoinResult(text: string, path: string): Static<typeof EmulatorJoinResult> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new LaunchError(`The answer to ${path} was not JSON.`, 'bot_runtime_unreachable', true);
  }
  if (joinResult.Check(body)) return body;
  const problems = joinResult
    .Errors(body)
    .slice(0, 3)
    .map((error) => `${error.instancePath || 'the body'} ${error.message}`)
    .join('; ');
  throw new LaunchError(
    `The answer to ${path} was malformed (${problems}).`,
    'bot_runtime_bad_answer',
    false,
  );
}

/**
 * The built-in runner for the offline demo and tests: joins the emulated meeting through the Zoom
 * emulator's `/_emulator/meetings/{id}/join` and records what Zoom decided, as a bot would.
 */
export function createEmulatorRunner(deps: { http: ZoomHttp; emulatorUrl: string }): BotRunner {
  return {
    name: 'emulator',
    launches: true,
    async launch(_bot, plan, report) {
      const path = `/_emulator/meetings/${plan.meetingId}/join`;
      const response = await deps.http.send({
        method: 'POST',
        url: `${deps.emulatorUrl}${path}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          variant: plan.variant === 'native' ? 'native' : 'web',
          ...(plan.tokens.join_token && { join_token: plan.tokens.join_token }),
          ...(plan.tokens.third_party_recording_token && {
            third_party_recording_token: plan.tokens.third_party_recording_token,
          }),
        }),
      });
      // A refusal is a 403 with the same body: the body, not the status, says what Zoom decided.
      const result = readJoinResult(response.text, path);
      if (result.admitted === 'refused')
        return report('fatal', 'meeting_refused_bot', result.reason);
      if (result.admitted === 'waiting_room') return report('in_waiting_room', null, result.reason);
      await report('in_call_not_recording', null, result.reason);
      if (result.recording === 'allowed') {
        await report(
          'recording_permission_allowed',
          null,
          'Recording allowed without asking the host.',
        );
        await report('in_call_recording');
      } else if (result.recording === 'denied') {
        await report('recording_permission_denied', null, result.reason);
      } else {
        await report(
          'in_call_not_recording',
          'waiting_for_host_recording_permission',
          'Asking the host for permission to record.',
        );
      }
    },
  };
}
