import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Static } from 'typebox';
import type { Keyring } from '../crypto/keyring.ts';
import { sealContext } from '../crypto/sealed-columns.ts';
import { lastFour, maskSecret, secretsEqual } from '../crypto/secrets.ts';
import type { KeysetPage, KeysetWindow } from '../db/keyset.ts';
import {
  AuthenticationError,
  BadRequestError,
  fieldError,
  NotFoundError,
  ValidationError,
} from '../errors.ts';
import { createExpiringSet } from '../expiring-set.ts';
import { uuidv7 } from '../ids.ts';
import type { MintFailure } from '../tokens/schemas.ts';
import { NoCredentialForMeetingError, type TokenService } from '../tokens/service.ts';
import {
  type AttendeeIntegrationObject,
  type CreateAttendeeIntegrationBody,
  DEFAULT_OBF_USER_METADATA_KEY,
  DEFAULT_ZAK_USER_METADATA_KEY,
  type ZoomTokensAnswer,
} from './schemas.ts';
import {
  type AttendeeSignedRequest,
  decodeAttendeeSecret,
  verifyAttendeeCallback,
} from './signature.ts';
import {
  type AttendeeIntegrationFilters,
  type AttendeeIntegrationRow,
  type AttendeeIntegrationStore,
  SIGNING_SECRET_COLUMN,
} from './store.ts';

export type AttendeeIntegrationView = Static<typeof AttendeeIntegrationObject>;

export type NewAttendeeIntegration = Static<typeof CreateAttendeeIntegrationBody>;

/**
 * What Attendee's bot joins with (bots/external_callback_utils.py `get_zoom_tokens`). `join_token`
 * is the Meeting SDK's parameter, not a token Hostpass mints (always null); the host's join token
 * for local recording goes in `app_privilege_token`.
 */
export type ZoomTokens = Static<typeof ZoomTokensAnswer>;

/** Where the lines a user reads about Attendee's callbacks go. */
export interface AttendeeLogSinks {
  /** The app logs of every Zoom OAuth app of the workspace (no grant reaches the meeting). */
  toApps(workspaceId: string, message: string): Promise<void>;
  /** The credential's log (its grant could not mint a token). */
  toCredential(workspaceId: string, credentialId: string, message: string): Promise<void>;
}

export type ZoomTokensCallback = AttendeeSignedRequest & {
  integrationId: string;
  /** The `key` query parameter of the integration's zoom_tokens_url. */
  key: string | undefined;
};

/** Attendee tries on-behalf tokens in order; more users than this is no plausible meeting. */
const MAX_OBF_USERS = 5;
/** One line per integration, meeting and problem a minute: a bot retrying cannot flood the log. */
const LOG_REPEAT_MS = 60_000;

const emptyTokens = (): ZoomTokens => ({
  zak_token: null,
  join_token: null,
  app_privilege_token: null,
  onbehalf_token: null,
});

/** Zoom user ids from a metadata value: a string (comma-separated allowed) or a list of strings. */
function usersNamed(value: unknown, limit: number): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const users = items
    .filter((item): item is string => typeof item === 'string')
    .map((item) => item.trim())
    .filter((item) => item !== '' && item.length <= 200);
  return [...new Set(users)].slice(0, limit);
}

interface ParsedCallback {
  botId: string;
  meetingUrl: string;
  metadata: Record<string, unknown>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Attendee's body: `{bot_id, bot_metadata, callback_type: "zoom_tokens", meeting_url}`. */
function parseCallback(body: Buffer): ParsedCallback {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequestError('The body is not JSON.');
  }
  if (!isObject(parsed)) throw new BadRequestError('The body must be a JSON object.');
  const { bot_id, bot_metadata, callback_type, meeting_url } = parsed;
  if (callback_type !== undefined && callback_type !== 'zoom_tokens') {
    throw fieldError('callback_type', 'This URL answers "zoom_tokens" callbacks only.');
  }
  if (typeof meeting_url !== 'string' || meeting_url.trim() === '' || meeting_url.length > 2000) {
    throw fieldError('meeting_url', "The bot's Zoom meeting URL (up to 2000 characters).");
  }
  return {
    botId: typeof bot_id === 'string' ? bot_id.slice(0, 100) : '',
    meetingUrl: meeting_url,
    metadata: isObject(bot_metadata) ? bot_metadata : {},
  };
}

export const attendeeServiceFactory = (deps: {
  integrations: AttendeeIntegrationStore;
  keyring: Keyring;
  tokenService: Pick<TokenService, 'meetingIdOf' | 'mint' | 'mintForUser'>;
  logSinks: AttendeeLogSinks;
  publicUrl: string;
  logger: Logger;
  now: () => number;
}) => {
  const { integrations, keyring, tokenService, logSinks, logger, now } = deps;
  const recentLines = createExpiringSet({ ttlMs: LOG_REPEAT_MS, maxSize: 10_000, now });

  const toView = (row: AttendeeIntegrationRow): AttendeeIntegrationView => ({
    id: row.id,
    signing_secret: maskSecret(row.signing_secret_last4),
    obf_user_metadata_key: row.obf_user_metadata_key,
    zak_user_metadata_key: row.zak_user_metadata_key,
    accept_legacy_signatures: row.accept_legacy_signatures,
    zoom_tokens_url: `${deps.publicUrl}/api/v2/integrations/attendee/${row.id}/zoom-tokens/?key=${row.url_key}`,
    created_at: row.created_at,
  });

  /** A user-facing line, at most once a minute per integration and `topic`; never fails the answer. */
  async function note(
    row: AttendeeIntegrationRow,
    topic: string,
    write: () => Promise<void>,
  ): Promise<void> {
    if (!recentLines.addIfAbsent(`${row.id}:${topic}`)) return;
    await write().catch((error: unknown) =>
      logger.error({ err: error, integration: row.id }, 'could not write an Attendee log line'),
    );
  }

  /** `meetingId` null: the link names no meeting (it is never logged: it may carry a passcode). */
  async function noteNoGrant(
    row: AttendeeIntegrationRow,
    call: ParsedCallback,
    meetingId: number | null,
    why: string,
  ): Promise<void> {
    logger.warn(
      { integration: row.id, bot_id: call.botId, meeting_id: meetingId, reason: why },
      'Attendee asked for the tokens of a meeting no grant reaches',
    );
    const meeting = meetingId === null ? 'the meeting its link names' : `meeting ${meetingId}`;
    await note(row, `meeting:${meetingId ?? call.meetingUrl}`, () =>
      logSinks.toApps(
        row.workspace_id,
        `Attendee bot ${call.botId || '(no id)'} asked for the Zoom tokens of ${meeting}: ${why} ` +
          'The bot joins without a local recording token and asks the host for permission to record.',
      ),
    );
  }

  async function noteFailure(
    row: AttendeeIntegrationRow,
    call: ParsedCallback,
    meetingId: number,
    what: string,
    credentialId: string | null,
    failure: MintFailure,
  ): Promise<void> {
    logger.warn(
      { integration: row.id, bot_id: call.botId, meeting_id: meetingId, what, code: failure.code },
      'could not mint a token Attendee asked for',
    );
    const message = `Attendee bot ${call.botId || '(no id)'}: no ${what} for meeting ${meetingId} (${failure.code}): ${failure.message}`;
    await note(row, `${what}:${meetingId}:${failure.code}`, () =>
      credentialId === null
        ? logSinks.toApps(row.workspace_id, message)
        : logSinks.toCredential(row.workspace_id, credentialId, message),
    );
  }

  /** The host's join token for local recording, or null (and why, in the logs). */
  async function localRecordingToken(
    row: AttendeeIntegrationRow,
    call: ParsedCallback,
    meetingId: number,
  ): Promise<string | null> {
    try {
      const minted = await tokenService.mint(row.workspace_id, {
        meeting_id: meetingId,
        kinds: ['join_token'],
        bypass_waiting_room: true,
      });
      if (minted.join_token) return minted.join_token.token;
      const failure = minted.errors.join_token;
      if (failure) {
        await noteFailure(
          row,
          call,
          meetingId,
          'join token for local recording',
          minted.credential,
          failure,
        );
      }
      return null;
    } catch (error) {
      if (!(error instanceof NoCredentialForMeetingError)) throw error;
      await noteNoGrant(
        row,
        call,
        meetingId,
        'no connected Zoom user or account hosts it (connect its host, or their account).',
      );
      return null;
    }
  }

  async function userToken(
    row: AttendeeIntegrationRow,
    call: ParsedCallback,
    meetingId: number,
    userId: string,
    kind: 'obf' | 'zak',
  ): Promise<string | null> {
    const answer = await tokenService.mintForUser(row.workspace_id, { meetingId, userId, kind });
    if (answer.ok) return answer.token.token;
    const what = `${kind === 'obf' ? 'on-behalf token' : 'ZAK'} of Zoom user ${userId}`;
    await noteFailure(row, call, meetingId, what, answer.credential, answer.failure);
    return null;
  }

  async function tokensFor(row: AttendeeIntegrationRow, call: ParsedCallback): Promise<ZoomTokens> {
    const tokens = emptyTokens();
    let meetingId: number;
    try {
      meetingId = await tokenService.meetingIdOf(row.workspace_id, {
        meeting_url: call.meetingUrl,
      });
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof NotFoundError)) throw error;
      await noteNoGrant(
        row,
        call,
        null,
        error instanceof NotFoundError
          ? error.message
          : "the bot's meeting_url is not a Zoom meeting link Hostpass can read.",
      );
      return tokens;
    }
    const obfUsers = usersNamed(call.metadata[row.obf_user_metadata_key], MAX_OBF_USERS);
    const [zakUser] = usersNamed(call.metadata[row.zak_user_metadata_key], 1);
    // Every kind at once, one Zoom call each: the bot is waiting to join.
    const [joinToken, onBehalf, zak] = await Promise.all([
      localRecordingToken(row, call, meetingId),
      Promise.all(obfUsers.map((userId) => userToken(row, call, meetingId, userId, 'obf'))),
      zakUser === undefined ? null : userToken(row, call, meetingId, zakUser, 'zak'),
    ]);
    tokens.app_privilege_token = joinToken;
    const minted = onBehalf.filter((token): token is string => token !== null);
    tokens.onbehalf_token = minted.length > 0 ? minted.join(',') : null;
    tokens.zak_token = zak;
    return tokens;
  }

  async function requireIntegration(
    workspaceId: string,
    id: string,
  ): Promise<AttendeeIntegrationRow> {
    const row = await integrations.findInWorkspace(workspaceId, id);
    if (!row) throw new NotFoundError();
    return row;
  }

  return {
    async create(
      workspaceId: string,
      input: NewAttendeeIntegration,
    ): Promise<AttendeeIntegrationView> {
      if (!decodeAttendeeSecret(input.signing_secret)) {
        throw fieldError(
          'signing_secret',
          'Paste the webhook secret of the Attendee project exactly as Attendee shows it (Settings → Webhooks): base64, 32 bytes.',
        );
      }
      const id = uuidv7();
      const secret = input.signing_secret.trim();
      const row = await integrations.insert({
        id,
        workspace_id: workspaceId,
        signing_secret_sealed: keyring.seal(secret, sealContext(SIGNING_SECRET_COLUMN, id)),
        signing_secret_last4: lastFour(secret),
        obf_user_metadata_key: input.obf_user_metadata_key ?? DEFAULT_OBF_USER_METADATA_KEY,
        zak_user_metadata_key: input.zak_user_metadata_key ?? DEFAULT_ZAK_USER_METADATA_KEY,
        accept_legacy_signatures: input.accept_legacy_signatures ?? true,
        url_key: randomBytes(24).toString('base64url'),
      });
      return toView(row);
    },

    async get(workspaceId: string, id: string): Promise<AttendeeIntegrationView> {
      return toView(await requireIntegration(workspaceId, id));
    },

    async list(
      workspaceId: string,
      filters: AttendeeIntegrationFilters,
      window: KeysetWindow,
    ): Promise<KeysetPage<AttendeeIntegrationView>> {
      const page = await integrations.list(workspaceId, filters, window);
      return { ...page, rows: page.rows.map(toView) };
    },

    async delete(workspaceId: string, id: string): Promise<void> {
      if (!(await integrations.deleteInWorkspace(workspaceId, id))) throw new NotFoundError();
    },

    /**
     * Answers Attendee's signed `zoom_tokens` callback. An unknown integration or a wrong URL key
     * is "not found" (the URL does not exist for whoever guessed it); a bad signature is 401. A
     * meeting no grant reaches, and any token Zoom refuses, is null in the answer and a line in
     * the logs: Attendee then joins without that token, as it does when a callback fails.
     */
    async answerZoomTokens(callback: ZoomTokensCallback): Promise<ZoomTokens> {
      const row = await integrations.findById(callback.integrationId);
      if (!row || callback.key === undefined || !secretsEqual(callback.key, row.url_key)) {
        throw new NotFoundError();
      }
      const secret = keyring.open(
        row.signing_secret_sealed,
        sealContext(SIGNING_SECRET_COLUMN, row.id),
      );
      const key = decodeAttendeeSecret(secret);
      const check = key
        ? verifyAttendeeCallback(key, callback, now(), {
            acceptLegacy: row.accept_legacy_signatures,
          })
        : null;
      if (!check?.ok) {
        logger.warn(
          { integration: row.id, problem: check?.problem ?? 'stored_secret_unreadable' },
          'refused an Attendee callback',
        );
        throw new AuthenticationError(check?.message ?? 'The signature could not be checked.');
      }
      return tokensFor(row, parseCallback(callback.body));
    },
  };
};

export type AttendeeService = ReturnType<typeof attendeeServiceFactory>;
