import type { Logger } from 'pino';
import type { Static } from 'typebox';
import type { CallbackTokenFetcher } from '../credentials/callback-fetcher.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { sealContext } from '../crypto/sealed-columns.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { KeysetPage, KeysetWindow } from '../db/keyset.ts';
import { errorMessage, fieldError, NotFoundError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import {
  type Attempt,
  isFinalAttempt,
  type JobQueue,
  type QueueDefinition,
} from '../jobs/queue.ts';
import { plural } from '../plural.ts';
import type { StatsRecorder } from '../stats/metrics.ts';
import type { TokenKind } from '../tokens/schemas.ts';
import type { TokenService } from '../tokens/service.ts';
import { redactLinkSecrets } from '../zoom/meeting-secrets.ts';
import { parseMeetingReference } from '../zoom/meeting-url.ts';
import { type BotRunner, type JoinPlan, LaunchError } from './runners.ts';
import type { BotObject, CreateBotBody } from './schemas.ts';
import {
  type BotRow,
  type BotStore,
  MEETING_URL_COLUMN,
  type StatusChangeRow,
  ZOOM_OPTIONS_COLUMN,
} from './store.ts';

/**
 * The join job. A launch the runtime did not accept (timeout, 5xx) is tried again 4 times, after
 * about 1-2, 2-4, 4-8 and 8-16 s: a bot must join on time or not at all. A job whose process died
 * stops its heartbeat and is retried within seconds (queue.ts), so a restart does not make it late.
 */
export const BOT_JOIN_QUEUE: QueueDefinition = {
  name: 'bot-join',
  retryLimit: 4,
  retryDelaySeconds: 1,
  expireInSeconds: 120,
  heartbeatSeconds: 10,
};

const SEAL_BATCH = 500;

export type NewBot = Static<typeof CreateBotBody>;

/** A bot's own token URLs (`zoom` in the Create Bot body). */
export type ZoomOptions = NonNullable<NewBot['zoom']>;

export type BotView = Static<typeof BotObject>;

/** The sub-codes the hosted API logs when it could not get a token and falls back to asking the host. */
const FETCH_FAILED: Partial<Record<TokenKind, string>> = {
  join_token: 'zoom_join_token_fetch_using_zoom_oauth_failed',
  third_party_recording_token: 'zoom_third_party_recording_token_fetch_using_zoom_oauth_failed',
};

function toView(row: BotRow, meetingUrl: string, changes: StatusChangeRow[]): BotView {
  return {
    id: row.id,
    meeting_url: meetingUrl,
    bot_name: row.bot_name,
    join_at: row.join_at,
    metadata: row.metadata,
    variant: { zoom: row.variant_zoom },
    join_plan: row.join_plan,
    launched_at: row.launched_at,
    status_changes: changes.map(({ code, sub_code, message, created_at }) => ({
      code,
      sub_code,
      message,
      created_at,
    })),
    created_at: row.created_at,
  };
}

/** A status change as the bot's `status_changes` show it, before it is stamped. */
export type BotStatusChange = Omit<BotView['status_changes'][number], 'created_at'>;

export const botServiceFactory = (deps: {
  db: Database;
  bots: BotStore;
  tokenService: TokenService;
  callbackFetcher: CallbackTokenFetcher;
  keyring: Keyring;
  queue: JobQueue;
  runner: BotRunner;
  logger: Logger;
  /** The outgoing events, told in the transaction that records a status change. */
  onStatusChanged: (
    q: Queryable,
    workspaceId: string,
    bot: BotView,
    change: BotStatusChange,
  ) => Promise<void>;
  stats: StatsRecorder;
  now: () => number;
}) => {
  const { db, bots, tokenService, keyring, queue, runner, logger, now } = deps;

  const report =
    (botId: string) => async (code: string, subCode?: string | null, message?: string | null) =>
      db.transaction(async (tx) => {
        const change = { code, sub_code: subCode ?? null, message: message ?? null };
        await bots.addStatusChange(
          { botId, code, subCode: change.sub_code, message: change.message },
          tx,
        );
        const row = await bots.findById(botId, tx);
        if (!row) return;
        // The link without its passcode: events are stored, and passcodes are kept sealed only.
        const bot = toView(row, row.meeting_url, await bots.statusChanges([botId], tx));
        await deps.onStatusChanged(tx, row.workspace_id, bot, change);
      });

  /** The link as the client gave it: passcodes are stored sealed only. */
  const meetingUrlOf = (row: BotRow): string =>
    row.meeting_url_sealed === null
      ? row.meeting_url
      : keyring.open(row.meeting_url_sealed, sealContext(MEETING_URL_COLUMN, row.id));

  const sealedMeetingUrl = (id: string, meetingUrl: string) => {
    const redacted = redactLinkSecrets(meetingUrl);
    return redacted === meetingUrl
      ? { meetingUrl, meetingUrlSealed: null }
      : {
          meetingUrl: redacted,
          meetingUrlSealed: keyring.seal(meetingUrl, sealContext(MEETING_URL_COLUMN, id)),
        };
  };

  async function view(row: BotRow): Promise<BotView> {
    return toView(row, meetingUrlOf(row), await bots.statusChanges([row.id]));
  }

  /** Tokens from the caller's own token URLs: a 404 means "join without it", as the contract says. */
  async function tokensFromUrls(options: ZoomOptions, botId: string): Promise<JoinPlan['tokens']> {
    const tokens: JoinPlan['tokens'] = {};
    const sources: [keyof JoinPlan['tokens'], string | undefined][] = [
      ['join_token', options.join_token_url],
      ['zak', options.zak_url],
      ['obf', options.obf_token_url],
    ];
    for (const [kind, url] of sources) {
      if (!url) continue;
      try {
        tokens[kind] = await deps.callbackFetcher.fetchToken(url);
      } catch (error) {
        await report(botId)('joining_call', `${kind}_url_fetch_failed`, errorMessage(error));
      }
    }
    return tokens;
  }

  /** Tokens minted from Hostpass's credentials, with the hosted API's failure sub-codes. */
  async function tokensFromCredentials(
    bot: BotRow,
    meetingId: number,
  ): Promise<{ tokens: JoinPlan['tokens']; credential: string | null }> {
    const kinds: TokenKind[] =
      bot.variant_zoom === 'native'
        ? ['join_token', 'third_party_recording_token']
        : ['join_token'];
    try {
      const answer = await tokenService.mint(bot.workspace_id, {
        meeting_id: meetingId,
        kinds,
        bypass_waiting_room: true,
        variant: bot.variant_zoom === 'native' ? 'native' : 'web',
      });
      const tokens: JoinPlan['tokens'] = {};
      if (answer.join_token) tokens.join_token = answer.join_token.token;
      if (answer.third_party_recording_token)
        tokens.third_party_recording_token = answer.third_party_recording_token.token;
      for (const kind of kinds) {
        const failure = answer.errors[kind];
        if (failure)
          await report(bot.id)('joining_call', FETCH_FAILED[kind] ?? null, failure.message);
      }
      return { tokens, credential: answer.credential };
    } catch (error) {
      await report(bot.id)('joining_call', FETCH_FAILED.join_token ?? null, errorMessage(error));
      return { tokens: {}, credential: null };
    }
  }

  return {
    async create(workspaceId: string, input: NewBot): Promise<BotView> {
      const reference = parseMeetingReference(input.meeting_url);
      if (!reference.ok) throw fieldError('meeting_url', reference.error);
      // A /my/{vanity} link resolves through the synced names; unresolved, the bot still exists and says why.
      const meetingId =
        reference.kind === 'id'
          ? reference.meetingId
          : await tokenService
              .meetingIdOf(workspaceId, { meeting_url: input.meeting_url })
              .catch(() => null);
      const id = uuidv7();
      const delaySeconds = input.join_at
        ? Math.max(0, (Date.parse(input.join_at) - now()) / 1000)
        : 0;
      const row = await db.transaction(async (tx) => {
        const inserted = await bots.insert(
          {
            id,
            workspaceId,
            ...sealedMeetingUrl(id, input.meeting_url),
            meetingId,
            botName: input.bot_name ?? 'Meeting Notetaker',
            joinAt: input.join_at ?? null,
            metadata: input.metadata ?? {},
            variant: input.variant?.zoom ?? 'web',
            zoomOptionsSealed: input.zoom
              ? keyring.seal(JSON.stringify(input.zoom), sealContext(ZOOM_OPTIONS_COLUMN, id))
              : null,
          },
          tx,
        );
        // Queued with the bot: a crash between the two cannot lose the join.
        await queue.send(BOT_JOIN_QUEUE, { botId: id }, { tx, startAfterSeconds: delaySeconds });
        return inserted;
      });
      return view(row);
    },

    async get(workspaceId: string, id: string): Promise<BotView> {
      const row = await bots.findInWorkspace(workspaceId, id);
      if (!row) throw new NotFoundError();
      return view(row);
    },

    async list(workspaceId: string, window: KeysetWindow): Promise<KeysetPage<BotView>> {
      const page = await bots.list(workspaceId, window);
      const changes = await bots.statusChanges(page.rows.map((row) => row.id));
      return {
        ...page,
        rows: page.rows.map((row) =>
          toView(
            row,
            meetingUrlOf(row),
            changes.filter((change) => change.bot_id === row.id),
          ),
        ),
      };
    },

    async reportStatus(
      workspaceId: string,
      id: string,
      change: { code: string; sub_code?: string; message?: string },
    ): Promise<BotView> {
      const row = await bots.findInWorkspace(workspaceId, id);
      if (!row) throw new NotFoundError();
      await report(id)(change.code, change.sub_code ?? null, change.message ?? null);
      return view(row);
    },

    /** Seals the links stored in clear by earlier versions (at start; a no-op once done). */
    async sealStoredMeetingUrls(): Promise<number> {
      let sealed = 0;
      for (;;) {
        const rows = await bots.unsealedMeetingUrls(SEAL_BATCH);
        let batch = 0;
        for (const row of rows) {
          const { meetingUrl, meetingUrlSealed } = sealedMeetingUrl(row.id, row.meeting_url);
          if (!meetingUrlSealed) continue;
          await bots.sealMeetingUrl(row.id, meetingUrl, meetingUrlSealed);
          batch += 1;
        }
        sealed += batch;
        if (rows.length < SEAL_BATCH || batch === 0) return sealed;
      }
    },

    /**
     * The join job: build the plan (caller's token URLs, else minted tokens) and launch the bot,
     * exactly once: `launched_at` is set only once the runtime accepted the plan, so an attempt cut
     * by a crash or refused by a failing runtime is launched by the job's retry. Every attempt
     * builds a fresh plan (tokens are short-lived and a join token is single-use).
     */
    async join(botId: string, attempt: Attempt = { retryCount: 0, retryLimit: 0 }): Promise<void> {
      const bot = await bots.findById(botId);
      if (!bot || bot.launched_at) return;
      const changes = await bots.statusChanges([bot.id]);
      // Ended by an earlier attempt whose job did not complete (a crash right after): nothing to do.
      if (changes.some((change) => change.code === 'fatal')) return;
      if (bot.meeting_id === null) {
        await report(bot.id)(
          'fatal',
          'meeting_not_found',
          'The meeting link names a personal link that no synced Zoom user has.',
        );
        return;
      }
      if (runner.launches && !changes.some((change) => change.code === 'joining_call'))
        await report(bot.id)('joining_call', null, null);
      const options: ZoomOptions = bot.zoom_options_sealed
        ? (JSON.parse(
            keyring.open(bot.zoom_options_sealed, sealContext(ZOOM_OPTIONS_COLUMN, bot.id)),
          ) as ZoomOptions)
        : {};
      const usesUrls = Boolean(options.join_token_url || options.zak_url || options.obf_token_url);
      const { tokens, credential } = usesUrls
        ? { tokens: await tokensFromUrls(options, bot.id), credential: null }
        : await tokensFromCredentials(bot, bot.meeting_id);
      const recordingToken = Boolean(tokens.join_token || tokens.third_party_recording_token);
      const meetingUrl = meetingUrlOf(bot);
      const reference = parseMeetingReference(meetingUrl);
      const plan: JoinPlan = {
        meetingId: bot.meeting_id,
        password: !reference.ok ? null : reference.password,
        variant: bot.variant_zoom,
        tokens,
        fallback: recordingToken ? null : 'ask_host_for_recording',
      };
      await bots.saveJoinPlan(bot.id, {
        meeting_id: bot.meeting_id,
        tokens: Object.keys(tokens),
        source: usesUrls ? 'token_urls' : credential ? 'credentials' : 'none',
        credential,
        fallback: plan.fallback,
      });
      try {
        await runner.launch({ ...bot, meeting_url: meetingUrl }, plan, report(bot.id));
      } catch (error) {
        const failure =
          error instanceof LaunchError
            ? error
            : new LaunchError(errorMessage(error), 'bot_runtime_unreachable', true);
        const attempts = attempt.retryCount + 1;
        if (failure.retryable && !isFinalAttempt(attempt)) {
          logger.warn(
            { botId: bot.id, attempt: attempts, subCode: failure.subCode, err: failure.message },
            'bot launch failed; it will be retried',
          );
          throw failure;
        }
        if (failure.subCode === 'no_bot_runtime') {
          await report(bot.id)(
            'fatal',
            'no_bot_runtime',
            'No bot runtime is configured (HOSTPASS_BOT_RUNNER=none): the join plan is recorded, and nothing will join the meeting. Set HOSTPASS_BOT_RUNNER=http with HOSTPASS_BOT_RUNTIME_URL to launch bots.',
          );
          return;
        }
        const message = failure.retryable
          ? `Gave up launching the bot after ${plural(attempts, 'attempt')}: ${failure.message}`
          : failure.message;
        logger.error({ botId: bot.id, subCode: failure.subCode, attempts }, message);
        await report(bot.id)('fatal', failure.subCode, message);
        return;
      }
      await bots.markLaunched(bot.id);
      deps.stats.count(bot.workspace_id, 'bot_launches');
    },
  };
};

export type BotService = ReturnType<typeof botServiceFactory>;
