import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { CredentialAccess, CredentialRow } from '../credentials/service.ts';
import type { TokenManager } from '../credentials/token-manager.ts';
import type { Queryable } from '../db/database.ts';
import { createExpiringSet } from '../expiring-set.ts';
import { ZoomMeeting } from '../zoom/answers.ts';
import { type ZoomApiClient, ZoomApiError } from '../zoom/api.ts';
import type { RateLimiter } from '../zoom/rate-limiter.ts';
import type { MeetingKind, MeetingsStore, ResolvedMapping } from './store.ts';

/** A meeting and the grant that reaches it: what every token path resolves a meeting to. */
export type ResolvedMeeting = ResolvedMapping;

/** A miss is remembered this long, per workspace and meeting: a bot's retry loop asks Zoom once. */
export const LOOKUP_MISS_TTL_MS = 60_000;
/** Bounds the miss cache's memory (about 100 bytes a key). */
const MAX_REMEMBERED_MISSES = 50_000;

export interface MeetingLookup {
  /**
   * Asks Zoom, with each healthy account-level grant of the workspace at once, for a meeting no
   * sync has seen; a hit is stored as a `lookup` mapping and returned. `deadline`: epoch ms.
   * `kind` 'webinar' (a `/w/` link) asks Zoom's webinar endpoint instead.
   */
  lookUp(
    workspaceId: string,
    meetingId: number,
    deadline: number,
    kind?: MeetingKind,
  ): Promise<ResolvedMeeting | null>;
}

/**
 * Meetings no sync has seen (created by a user who joined the account after the last sync, or
 * announced by a webhook that never came) are found at Zoom when a bot asks for them. Each call
 * is "Get a meeting" (Zoom's Light category) inside the account's shared rate budget, the one the
 * sync uses (src/zoom/rate-limiter.ts). Misses are remembered for LOOKUP_MISS_TTL_MS in this
 * process, and concurrent asks for one meeting share one look-up: a bot retrying in a loop cannot
 * spend the budget. Per process and not in the database: a miss costs no write, and with N
 * processes a meeting is looked up at most N times a minute, still inside the shared budget; a
 * hit is shared by all processes at once, since it is stored as a mapping, and the mapping table
 * is read before the miss cache, so a meeting synced meanwhile is never hidden by a cached miss.
 */
export function createMeetingLookup(deps: {
  db: Queryable;
  credentials: Pick<CredentialAccess, 'meetingReaders'>;
  syncs: Pick<MeetingsStore, 'upsertMappings'>;
  tokenManager: Pick<TokenManager, 'callWithToken'>;
  api: ZoomApiClient;
  limiter: RateLimiter;
  /** At most this many accounts are asked per look-up; 0 turns look-ups off. */
  maxAccounts: number;
  logger: Logger;
  now?: () => number;
}): MeetingLookup {
  const { credentials, syncs, tokenManager, api, limiter, logger } = deps;
  const now = deps.now ?? Date.now;
  const misses = createExpiringSet({
    ttlMs: LOOKUP_MISS_TTL_MS,
    maxSize: MAX_REMEMBERED_MISSES,
    now,
  });
  const running = new Map<string, Promise<ResolvedMeeting | null>>();

  /** The meeting's host as this grant's account sees it, or null (not there, or no answer in time). */
  async function hostSeenBy(
    credential: CredentialRow,
    meetingId: number,
    kind: MeetingKind,
    deadline: number,
  ): Promise<string | null> {
    const waitMs = await limiter.reserve(credential.zoom_account_id, 'light');
    // The slot is spent either way; waiting past the deadline would only delay the bot.
    if (now() + waitMs >= deadline) return null;
    if (waitMs > 0) await sleep(waitMs);
    try {
      const meeting = await tokenManager.callWithToken(credential, (token) =>
        api.get(
          ZoomMeeting,
          `/${kind === 'webinar' ? 'webinars' : 'meetings'}/${meetingId}`,
          token,
          Math.max(1, deadline - now()),
        ),
      );
      return meeting.host_id || null;
    } catch (error) {
      if (error instanceof ZoomApiError && error.status === 429) {
        await limiter.backOff(credential.zoom_account_id, 'light', error.retryAfterSeconds ?? 1);
      }
      // 3001 "Meeting does not exist" is the expected answer from every other account.
      if (!(error instanceof ZoomApiError && error.status === 404)) {
        logger.warn(
          { credential: credential.id, meeting_id: meetingId, err: error },
          'meeting look-up at Zoom failed for one account',
        );
      }
      return null;
    }
  }

  async function lookUpNow(
    workspaceId: string,
    meetingId: number,
    kind: MeetingKind,
    deadline: number,
  ): Promise<ResolvedMeeting | null> {
    const readers = await credentials.meetingReaders(workspaceId, deps.maxAccounts);
    const hosts = await Promise.all(
      readers.map((credential) => hostSeenBy(credential, meetingId, kind, deadline)),
    );
    const index = hosts.findIndex((host) => host !== null);
    const credential = readers[index];
    const host = hosts[index];
    if (!credential || !host) return null;
    await syncs.upsertMappings(
      workspaceId,
      credential.id,
      [{ meetingId, hostUserId: host, source: 'lookup', kind }],
      deps.db,
    );
    logger.info(
      { credential: credential.id, meeting_id: meetingId },
      'found a meeting no sync had seen at Zoom; mapped it',
    );
    return {
      credential_id: credential.id,
      host_user_id: host,
      kind,
      source: 'lookup',
      synced_at: new Date(now()).toISOString(),
      credential,
    };
  }

  return {
    async lookUp(workspaceId, meetingId, deadline, kind = 'meeting') {
      if (deps.maxAccounts === 0) return null;
      const key = `${workspaceId}:${kind}:${meetingId}`;
      if (misses.has(key)) return null;
      const pending = running.get(key);
      if (pending) return pending;
      const lookup = lookUpNow(workspaceId, meetingId, kind, deadline)
        .then((found) => {
          if (!found) misses.add(key);
          return found;
        })
        .finally(() => running.delete(key));
      running.set(key, lookup);
      return lookup;
    },
  };
}
