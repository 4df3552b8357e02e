import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Static, TSchema } from 'typebox';
import { CredentialUnhealthyError } from '../credentials/errors.ts';
import type { CredentialEvents } from '../credentials/events.ts';
import type { CredentialAccess, CredentialRow } from '../credentials/service.ts';
import type { TokenManager } from '../credentials/token-manager.ts';
import type { Database } from '../db/database.ts';
import type { LogLevel } from '../logs/service.ts';
import { plural } from '../plural.ts';
import {
  type ZoomListedMeeting,
  ZoomMeetingsPage,
  type ZoomUser,
  ZoomUser as ZoomUserSchema,
  ZoomUsersPage,
  ZoomWebinarsPage,
} from '../zoom/answers.ts';
import { type ZoomApiClient, ZoomApiError, ZoomBadAnswerError } from '../zoom/api.ts';
import { ZoomUnreachableError } from '../zoom/http.ts';
import type { RateCategory, RateLimiter } from '../zoom/rate-limiter.ts';
import { canListWebinars } from '../zoom/scopes.ts';
import { type ZoomUserProfile, zoomUserProfile } from '../zoom/user-profile.ts';
import { vanityName } from '../zoom/vanity-name.ts';
import {
  type HostRecord,
  LeaseLostError,
  type MeetingsStore,
  type NewMapping,
  type SyncProgress,
  type SyncRow,
} from './store.ts';

/** Zoom's maximum page size for both lists. */
const PAGE_SIZE = 300;
/** Both lists, so that neither past-but-valid nor upcoming meetings are missed. */
const MEETING_TYPES = ['scheduled', 'upcoming'] as const;

export type StepOutcome =
  | { kind: 'continue' }
  | { kind: 'resume_after'; seconds: number }
  | { kind: 'done' }
  | { kind: 'skipped' };

export interface SyncCounters {
  usersSeen: number;
  meetingsSeen: number;
  zoomCalls: number;
  rateLimitWaits: number;
}

export interface SyncRunnerDeps {
  db: Database;
  syncs: MeetingsStore;
  credentials: CredentialAccess;
  tokenManager: TokenManager;
  api: ZoomApiClient;
  limiter: RateLimiter;
  log: (credential: CredentialRow, level: LogLevel, message: string) => Promise<void>;
  leaseSeconds: number;
  /** How long one step may work before handing over (other credentials' syncs get their turn). */
  stepBudgetMs: number;
  /** Hosts whose meetings are listed at once (enough calls in flight to use the rate budget). */
  hostConcurrency: number;
  logger: Logger;
  /** Called after each committed page (the CLI's progress bar). */
  onProgress?: (sync: SyncRow, counters: SyncCounters) => void;
  /** Called when a sync completed (schedules the next periodic one). */
  onCompleted?: (credentialId: string) => Promise<void>;
  /** The outgoing events, told in the transaction that finishes a sync. */
  events: CredentialEvents;
}

function toHost(user: ZoomUser): HostRecord {
  const pmi = user.pmi === undefined || user.pmi === '' ? null : Number(user.pmi);
  return {
    zoomUserId: user.id,
    pmi: Number.isFinite(pmi) ? pmi : null,
    vanityName: vanityName(user.vanity_url),
  };
}

function pmiMappings(hosts: readonly HostRecord[]): NewMapping[] {
  return hosts.flatMap((host) =>
    host.pmi === null
      ? []
      : [{ meetingId: host.pmi, hostUserId: host.zoomUserId, source: 'pmi' as const }],
  );
}

class StepPause extends Error {
  readonly seconds: number;
  constructor(seconds: number) {
    super(`paused for ${seconds} s`);
    this.seconds = seconds;
  }
}

/**
 * Waits out a rate-limit slot; once `signal` aborts (the process is stopping) the step pauses
 * instead, for what is left of the wait, and resumes in the next process.
 */
async function waitForSlot(ms: number, signal: AbortSignal | undefined): Promise<void> {
  const until = Date.now() + ms;
  try {
    await sleep(ms, undefined, signal && { signal });
  } catch (error) {
    if (signal?.aborted) throw new StepPause(Math.max(0, Math.ceil((until - Date.now()) / 1000)));
    throw error;
  }
}

/**
 * Runs full meeting syncs one bounded step at a time. Each page's mappings and the sync's
 * position are committed together, so a sync interrupted anywhere (process killed) resumes from
 * its last committed page, and ends with exactly the mappings Zoom has: mappings not seen since
 * the sync started are pruned at the end.
 */
export function createSyncRunner(deps: SyncRunnerDeps) {
  const { db, syncs, credentials, api, limiter } = deps;

  /** One Zoom call within the account's shared budget, retried on 429 and transient failures. */
  async function zoomGet<S extends TSchema>(
    credential: CredentialRow,
    schema: S,
    path: string,
    category: RateCategory,
    counters: SyncCounters,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<Static<S>> {
    for (let attempt = 1; ; attempt += 1) {
      const waitMs = await limiter.reserve(credential.zoom_account_id, category);
      if (waitMs > 0) {
        if (Date.now() + waitMs > deadline) throw new StepPause(Math.ceil(waitMs / 1000));
        counters.rateLimitWaits += 1;
        await waitForSlot(waitMs, signal);
      }
      counters.zoomCalls += 1;
      try {
        return await deps.tokenManager.callWithToken(credential, (token) =>
          api.get(schema, path, token, undefined, signal),
        );
      } catch (error) {
        // The process is stopping: the listing under way is redone by the next process.
        if (signal?.aborted) throw new StepPause(0);
        if (error instanceof ZoomApiError && error.status === 429) {
          const seconds = error.retryAfterSeconds ?? 1;
          await limiter.backOff(credential.zoom_account_id, category, seconds);
          if (seconds > 30) throw new StepPause(seconds);
          continue;
        }
        const transient =
          error instanceof ZoomUnreachableError ||
          (error instanceof ZoomApiError && error.transient);
        if (!transient || attempt >= 3) throw error;
        await sleep(200 * 2 ** attempt);
      }
    }
  }

  /**
   * Every page of one of a host's lists (`meetings` or `webinars` of a `type`). A refusal that
   * `endsList` accepts ends the list where it is, with `refused` set, instead of failing the sync.
   */
  async function allPages(
    credential: CredentialRow,
    path: string,
    type: string,
    key: 'meetings' | 'webinars',
    counters: SyncCounters,
    endsList: (error: ZoomApiError) => boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ items: ZoomListedMeeting[]; refused: boolean }> {
    const items: ZoomListedMeeting[] = [];
    let token: string | null = null;
    do {
      const query = new URLSearchParams({ type, page_size: String(PAGE_SIZE) });
      if (token) query.set('next_page_token', token);
      const url = `${path}?${query}`;
      let page: { listed: ZoomListedMeeting[]; next_page_token?: string | undefined };
      const list = <S extends TSchema>(schema: S) =>
        zoomGet(credential, schema, url, 'medium', counters, Infinity, signal);
      try {
        page =
          key === 'meetings'
            ? await list(ZoomMeetingsPage).then((answer) => ({
                listed: answer.meetings,
                next_page_token: answer.next_page_token,
              }))
            : await list(ZoomWebinarsPage).then((answer) => ({
                listed: answer.webinars,
                next_page_token: answer.next_page_token,
              }));
      } catch (error) {
        if (error instanceof ZoomApiError && endsList(error)) return { items, refused: true };
        throw error;
      }
      items.push(...page.listed);
      token = page.next_page_token || null;
    } while (token);
    return { items, refused: false };
  }

  /**
   * Every scheduled and upcoming meeting of one host, all pages (a host who left: none), and
   * their webinars when the grant may list them ("scheduled" covers live and upcoming ones). A
   * host without the webinar add-on, or a grant Zoom refuses the list to, has no webinars: that
   * never fails the sync.
   */
  async function listHostMeetings(
    credential: CredentialRow,
    host: string,
    counters: SyncCounters,
    signal: AbortSignal | undefined,
  ): Promise<NewMapping[]> {
    // A user-level grant reaches its own user only through /users/me.
    const userPath = `/users/${credential.app_kind === 'user_level' ? 'me' : encodeURIComponent(host)}`;
    const mappings: NewMapping[] = [];
    const add = (items: ZoomListedMeeting[], kind: 'meeting' | 'webinar') => {
      for (const item of items) {
        mappings.push({
          meetingId: Number(item.id),
          hostUserId: item.host_id ?? host,
          source: 'scheduled',
          kind,
        });
      }
    };
    for (const type of MEETING_TYPES) {
      const listed = await allPages(
        credential,
        `${userPath}/meetings`,
        type,
        'meetings',
        counters,
        (error) => error.status === 404,
        signal,
      );
      add(listed.items, 'meeting');
      if (listed.refused) return mappings;
    }
    if (canListWebinars(credential.app_kind, credential.scopes)) {
      const listed = await allPages(
        credential,
        `${userPath}/webinars`,
        'scheduled',
        'webinars',
        counters,
        (error) => !error.transient && !error.tokenRejected,
        signal,
      );
      add(listed.items, 'webinar');
    }
    return mappings;
  }

  /**
   * The steps' writes, all conditional on still holding the sync's lease as `owner`; `signal`
   * aborts their rate-limit waits.
   */
  function stepsFor(owner: string, signal: AbortSignal | undefined) {
    /**
     * Commits what Zoom listed, fetched from `fetchedAt` (the database's clock, read before the
     * first Zoom call) on. A meeting an event changed after that moment is left as the event made
     * it: the page may predate the event (a deleted meeting still listed, a transferred one under
     * its old host). Under the credential's page lock, every event is either committed (its mark
     * visible here) or waits until this page is, so the comparison holds across processes.
     */
    async function commit(
      sync: SyncRow,
      credential: CredentialRow,
      fetchedAt: string,
      page: { hosts?: HostRecord[]; mappings?: NewMapping[]; zoomUser?: ZoomUserProfile },
      progress: SyncProgress,
    ) {
      await db.transaction(async (tx) => {
        await syncs.lockForSyncPage(credential.id, tx);
        // Every sync refreshes who authorized the credential (names and emails change).
        if (page.zoomUser) await credentials.updateZoomUser(credential.id, page.zoomUser, tx);
        if (page.hosts)
          await syncs.upsertHosts(credential.workspace_id, credential.id, page.hosts, tx);
        if (page.mappings) {
          const newer = await syncs.meetingsChangedSince(
            credential.id,
            page.mappings.map((mapping) => mapping.meetingId),
            fetchedAt,
            tx,
          );
          await syncs.upsertMappings(
            credential.workspace_id,
            credential.id,
            page.mappings.filter((mapping) => !newer.has(mapping.meetingId)),
            tx,
          );
        }
        await syncs.saveProgress(sync.id, progress, deps.leaseSeconds, owner, tx);
      });
    }

    /** Users phase: who the credential reaches, with their PMIs (they come with the list). */
    async function syncUsersPage(
      sync: SyncRow,
      credential: CredentialRow,
      counters: SyncCounters,
      deadline: number,
    ) {
      const fetchedAt = await syncs.now();
      if (credential.app_kind === 'user_level') {
        const me = await zoomGet(
          credential,
          ZoomUserSchema,
          '/users/me',
          'light',
          counters,
          deadline,
          signal,
        );
        const host = toHost(me);
        await commit(
          sync,
          credential,
          fetchedAt,
          { hosts: [host], mappings: pmiMappings([host]), zoomUser: zoomUserProfile(me) },
          { phase: 'meetings', usersSeen: 1, currentHost: null },
        );
        counters.usersSeen += 1;
        return;
      }
      const query = new URLSearchParams({ status: 'active', page_size: String(PAGE_SIZE) });
      if (sync.users_page_token) query.set('next_page_token', sync.users_page_token);
      const page = await zoomGet(
        credential,
        ZoomUsersPage,
        `/users?${query}`,
        'medium',
        counters,
        deadline,
        signal,
      );
      const hosts = page.users.map(toHost);
      const next = page.next_page_token || null;
      const authorizer = (page.users ?? []).find((user) => user.id === credential.zoom_user_id);
      await commit(
        sync,
        credential,
        fetchedAt,
        {
          hosts,
          mappings: pmiMappings(hosts),
          ...(authorizer && { zoomUser: zoomUserProfile(authorizer) }),
        },
        next
          ? { usersPageToken: next, usersSeen: hosts.length }
          : { phase: 'meetings', usersPageToken: null, usersSeen: hosts.length, currentHost: null },
      );
      counters.usersSeen += hosts.length;
    }

    /**
     * Meetings phase: a window of hosts at once. Zoom's round trip, not the rate budget, would
     * otherwise set the pace (one call in flight covers a fraction of 20 calls/s), so the window's
     * listings run concurrently, each call still taking its own slot from the shared budget. The
     * window commits in one transaction; `current_host` is the last host fully done, so a crash
     * redoes at most one window, and upserts plus the final prune keep the result exact.
     */
    async function syncMeetingsWindow(
      sync: SyncRow,
      credential: CredentialRow,
      counters: SyncCounters,
    ) {
      const hosts = await syncs.nextHosts(credential.id, sync.current_host, deps.hostConcurrency);
      if (hosts.length === 0) {
        await syncs.saveProgress(sync.id, { phase: 'prune' }, deps.leaseSeconds, owner);
        return;
      }
      const fetchedAt = await syncs.now();
      const listed = await Promise.all(
        hosts.map((host) => listHostMeetings(credential, host, counters, signal)),
      );
      const mappings = listed.flat();
      await commit(
        sync,
        credential,
        fetchedAt,
        { mappings },
        { currentHost: hosts.at(-1) as string, meetingsSeen: mappings.length },
      );
      counters.meetingsSeen += mappings.length;
    }

    async function finish(
      sync: SyncRow,
      credential: CredentialRow,
      failure: string | null,
    ): Promise<void> {
      await db.transaction(async (tx) => {
        if (failure === null) await syncs.prune(credential.id, sync.started_at, tx);
        await syncs.finishSync(
          sync.id,
          failure === null ? 'completed' : 'failed',
          failure,
          owner,
          tx,
        );
        await credentials.setMeetingSyncStatus(
          credential.id,
          failure === null ? 'completed' : 'failed',
          tx,
        );
        if (failure !== null) {
          await deps.events(tx, 'credential.sync.failed', credential.id, { reason: failure });
          return;
        }
        const { rows } = await tx.query<{ users_seen: number; zoom_calls: number }>(
          'SELECT users_seen, zoom_calls FROM zoom_meeting_syncs WHERE id = $1',
          [sync.id],
        );
        await deps.events(tx, 'credential.sync.completed', credential.id, {
          meetings_mapped: await syncs.countMappings(credential.id, tx),
          users_seen: rows[0]?.users_seen ?? 0,
          zoom_calls: rows[0]?.zoom_calls ?? 0,
        });
      });
      const current = await syncs.runningSync(credential.id);
      if (failure !== null) await deps.log(credential, 'error', `Meeting sync failed: ${failure}`);
      else if (!current) {
        const finished = await syncs.findSyncById(sync.id);
        const mapped = await syncs.countMappings(credential.id);
        await deps.log(
          credential,
          'info',
          `Meeting sync completed: ${plural(mapped, 'meeting')} (PMIs included) mapped for ${plural(finished?.users_seen ?? 0, 'user')} (${plural(finished?.zoom_calls ?? 0, 'Zoom call')}).`,
        );
        await deps.onCompleted?.(credential.id);
      }
    }

    return { syncUsersPage, syncMeetingsWindow, finish };
  }

  return {
    /**
     * Works on one sync until it is done, the step budget is spent, or `signal` aborts (the
     * process is stopping: the step ends after the page under way, and its next step resumes).
     */
    async runStep(syncId: string, signal?: AbortSignal): Promise<StepOutcome> {
      const owner = randomUUID();
      let sync = await syncs.lease(syncId, deps.leaseSeconds, owner);
      const { syncUsersPage, syncMeetingsWindow, finish } = stepsFor(owner, signal);
      let pauseSeconds = 0;
      if (!sync) return { kind: 'skipped' };
      const deadline = Date.now() + deps.stepBudgetMs;
      const counters: SyncCounters = {
        usersSeen: 0,
        meetingsSeen: 0,
        zoomCalls: 0,
        rateLimitWaits: 0,
      };
      try {
        for (;;) {
          const credential = await credentials.findById(sync.credential_id);
          if (!credential) return { kind: 'done' };
          if (credential.status === 'unhealthy') {
            await finish(
              sync,
              credential,
              `the credential is unhealthy (${credential.status_reason ?? 'no reason recorded'}).`,
            );
            return { kind: 'done' };
          }
          if (sync.phase === 'prune') {
            await finish(sync, credential, null);
            return { kind: 'done' };
          }
          const before = { ...counters };
          try {
            if (sync.phase === 'users') await syncUsersPage(sync, credential, counters, deadline);
            else await syncMeetingsWindow(sync, credential, counters);
          } finally {
            await syncs.saveProgress(
              sync.id,
              {
                zoomCalls: counters.zoomCalls - before.zoomCalls,
                rateLimitWaits: counters.rateLimitWaits - before.rateLimitWaits,
              },
              deps.leaseSeconds,
              owner,
            );
          }
          sync = (await syncs.runningSync(credential.id)) ?? sync;
          deps.onProgress?.(sync, counters);
          if (Date.now() > deadline || signal?.aborted) return { kind: 'continue' };
        }
      } catch (error) {
        if (error instanceof LeaseLostError) return { kind: 'skipped' };
        if (error instanceof StepPause) {
          pauseSeconds = error.seconds;
          return { kind: 'resume_after', seconds: error.seconds };
        }
        const credential = await credentials.findById(sync.credential_id);
        // Zoom refusing the grant or the list is final for this sync; anything else is retried by the job.
        // A malformed answer is Zoom's fault too; the next sync asks again.
        if (credential && error instanceof ZoomBadAnswerError) {
          await finish(sync, credential, error.message);
          return { kind: 'done' };
        }
        if (credential && error instanceof ZoomApiError && !error.transient) {
          await finish(
            sync,
            credential,
            `Zoom answered ${error.status}${error.code !== null ? ` (code ${error.code})` : ''}: ${error.zoomMessage}`,
          );
          return { kind: 'done' };
        }
        if (credential && error instanceof CredentialUnhealthyError) {
          await finish(sync, credential, error.message);
          return { kind: 'done' };
        }
        throw error;
      } finally {
        await syncs.release(syncId, owner, pauseSeconds);
      }
    },
  };
}

export type SyncRunner = ReturnType<typeof createSyncRunner>;
