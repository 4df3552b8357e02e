import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AppSecrets } from '../apps/service.ts';
import { setBounded } from '../bounded-map.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { sealContext } from '../crypto/sealed-columns.ts';
import type { Database, Queryable } from '../db/database.ts';
import { withSavepoint } from '../db/savepoint.ts';
import { errorMessage, NotFoundError, UpstreamUnavailableError } from '../errors.ts';
import type { Attempt } from '../jobs/queue.ts';
import type { LogLevel } from '../logs/service.ts';
import type { Result } from '../result.ts';
import type { RefreshOutcome, StatsRecorder } from '../stats/metrics.ts';
import { ZoomApiError } from '../zoom/api.ts';
import { ZoomUnreachableError } from '../zoom/http.ts';
import { type ZoomOAuthClient, ZoomOAuthError, type ZoomTokenSet } from '../zoom/oauth.ts';
import { CallbackFetchError, type CallbackTokenFetcher, jwtExpiry } from './callback-fetcher.ts';
import { CredentialUnhealthyError, reconnectAdvice } from './errors.ts';
import type { CredentialEvents } from './events.ts';
import { createRefreshPacer } from './refresh-pacer.ts';
import {
  ACCESS_TOKEN_COLUMN,
  CALLBACK_URL_COLUMN,
  type CredentialRow,
  type CredentialStore,
  REFRESH_TOKEN_COLUMN,
  type StoredTokens,
} from './store.ts';
import {
  catchUpAtMs,
  isServeable,
  latestRefreshAtMs,
  refreshAtMs,
  refreshPhase,
  type TokenTimes,
} from './token-timing.ts';

export interface AccessToken {
  token: string;
  expiresAt: string;
}

export interface TokenManagerDeps {
  db: Database;
  credentials: CredentialStore;
  keyring: Keyring;
  oauth: ZoomOAuthClient;
  appSecrets: (appId: string) => Promise<AppSecrets | null>;
  callbackFetcher: CallbackTokenFetcher;
  log: (q: Queryable, credential: CredentialRow, level: LogLevel, message: string) => Promise<void>;
  /**
   * Sets the time of the one pending background refresh of a credential (queued if none is),
   * with `q`'s transaction.
   */
  scheduleRefresh: (q: Queryable, job: RefreshJob) => Promise<void>;
  events: CredentialEvents;
  stats: StatsRecorder;
  now: () => number;
  logger: Logger;
}

/** The background refresh job of one credential. */
export interface RefreshJob {
  credentialId: string;
  /** When it was meant to run (ms since the epoch); absent in jobs queued by older versions. */
  at?: number;
  /** Moved once already because it came late: runs whenever it comes. */
  deferred?: boolean;
}

/** What a renewal is for; decides, after the lock is taken, whether one is still needed. */
interface RenewalIntent {
  /** Renew even if the token looks fine (validate). */
  force?: boolean;
  /** Zoom answered 124 for this token: renew unless someone already replaced it. */
  rejectedToken?: string;
  /** Background refresh: renew only once the refresh-ahead time has come. */
  dueOnly?: boolean;
  /** Validation may renew an unhealthy credential (the cause may have been fixed). */
  allowUnhealthy?: boolean;
}

type RenewalOutcome = Result<{ token: AccessToken }, { error: Error }>;

/** A grant the Zoom user (account) has just authorized: exchanged and identified. */
export interface NewGrant {
  accessToken: string;
  refreshToken: string;
  lifetimeSeconds: number;
  scopes: string[];
}

export interface AdoptionHooks {
  /** Whether Zoom still holds the new grant (false: a later authorization replaced it). */
  isLive: () => Promise<boolean>;
  /** Runs in the adopting transaction: the log line, the resync. */
  onAdopted: (q: Queryable, row: CredentialRow) => Promise<void>;
}

export type AdoptionOutcome =
  | { kind: 'adopted'; row: CredentialRow }
  /** Zoom no longer accepts the new grant: the user authorized again since; `row` is unchanged. */
  | { kind: 'superseded'; row: CredentialRow }
  /** The credential was deleted meanwhile. */
  | { kind: 'gone' };

/** Customer-managed tokens must stay valid this long after Hostpass receives them (the contract). */
export const CALLBACK_TOKEN_MIN_SECONDS = 120;
/** Unsealed access tokens kept in memory per process (about 1 kB each). */
const UNSEALED_TOKENS_LIMIT = 20_000;
/** Callers do not retry a transiently failed refresh before this; the background job keeps trying. */
const TRANSIENT_COOLDOWN_MS = 2000;

export function tokenTimes(row: CredentialRow): TokenTimes | null {
  if (!row.access_token_sealed || !row.access_token_expires_at) return null;
  return {
    expiresAtMs: Date.parse(row.access_token_expires_at),
    lifetimeSeconds: row.access_token_lifetime_seconds ?? 3600,
  };
}

/** Runs `work` holding the refresh lock of one credential; see createRefreshLock. */
type RefreshLock = <T>(
  credentialId: string,
  work: (q: Queryable, row: CredentialRow | undefined) => Promise<T>,
) => Promise<T>;

/**
 * Zoom rotates refresh tokens and kills the old one at once, so two refreshes of one credential
 * racing anywhere kill it. On PostgreSQL the lock is the credential's row (SELECT … FOR UPDATE,
 * held across Zoom's answer until the new tokens are committed), so it holds across processes and
 * is released by the database if a process dies. The embedded store has exactly one process (the
 * data-dir lock guarantees it), so there an in-process lock per credential is the whole story and
 * no transaction is held open across a network call.
 */
function createRefreshLock(db: Database, credentials: CredentialStore): RefreshLock {
  if (db.engine === 'postgres') {
    return (id, work) =>
      db.transaction(async (tx) => {
        // A lock held by a stuck process must not stall every other caller forever.
        await tx.query("SET LOCAL lock_timeout = '15s'");
        return work(tx, await credentials.lock(id, tx));
      });
  }
  const tails = new Map<string, Promise<unknown>>();
  return async (id, work) => {
    const previous = tails.get(id) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(async () => work(db, await credentials.findById(id)));
    tails.set(id, run);
    try {
      return await run;
    } finally {
      if (tails.get(id) === run) tails.delete(id);
    }
  };
}

/** When the background job refreshes this credential's current token (see refreshAtMs). */
function backgroundRefreshAtMs(row: CredentialRow, times: TokenTimes): number {
  return refreshAtMs(times, refreshPhase(row.refresh_slot));
}

/** The background refresh job of tokens just stored; null when nothing refreshes them (no refresh token). */
export function firstRefreshJob(row: CredentialRow): RefreshJob | null {
  const times = tokenTimes(row);
  if (!times || !row.refresh_token_sealed) return null;
  return { credentialId: row.id, at: backgroundRefreshAtMs(row, times) };
}

export function createTokenManager(deps: TokenManagerDeps) {
  const { db, credentials, keyring, oauth, now } = deps;
  const withRefreshLock = createRefreshLock(db, credentials);
  // Background refreshes this process fell behind on catch up at a bounded rate (no burst at Zoom).
  const pacer = createRefreshPacer(now, (ms, signal) =>
    delay(ms, undefined, signal ? { signal } : {}),
  );
  // Callers in one process share one renewal instead of queueing on the lock one by one.
  const inFlight = new Map<string, Promise<RenewalOutcome>>();

  // Unsealed access tokens by their sealed form: every token request needs the plaintext, and
  // opening it (AES-GCM with the row's context) each time is avoidable work. The key is the
  // ciphertext itself (a fresh nonce per seal), so an entry never outlives its token: a refresh
  // stores a new ciphertext. Health is checked on the row before this (accessToken). Bounded;
  // the oldest entry goes first. Refresh tokens and callback URLs are opened rarely, never kept.
  const unsealed = new Map<string, string>();
  const open = (sealed: string, column: typeof ACCESS_TOKEN_COLUMN, id: string) =>
    keyring.open(sealed, sealContext(column, id));
  const openAccessToken = (sealed: string, id: string) => {
    const key = `${id}:${sealed}`;
    const known = unsealed.get(key);
    if (known !== undefined) return known;
    const plain = open(sealed, ACCESS_TOKEN_COLUMN, id);
    setBounded(unsealed, key, plain, UNSEALED_TOKENS_LIMIT);
    return plain;
  };
  const seal = (plain: string, column: typeof ACCESS_TOKEN_COLUMN, id: string) =>
    keyring.seal(plain, sealContext(column, id));

  function currentToken(row: CredentialRow): AccessToken | null {
    if (!row.access_token_sealed || !row.access_token_expires_at) return null;
    return {
      token: openAccessToken(row.access_token_sealed, row.id),
      expiresAt: row.access_token_expires_at,
    };
  }

  function needsRenewal(row: CredentialRow, intent: RenewalIntent): boolean {
    const times = tokenTimes(row);
    if (!times || intent.force) return true;
    if (intent.rejectedToken !== undefined && currentToken(row)?.token === intent.rejectedToken)
      return true;
    if (intent.dueOnly) return now() >= backgroundRefreshAtMs(row, times);
    return !isServeable(times, now());
  }

  function sealTokens(
    id: string,
    accessToken: string,
    lifetimeSeconds: number,
    refreshToken: string | null,
    scopes?: string[],
  ): StoredTokens {
    return {
      accessTokenSealed: seal(accessToken, ACCESS_TOKEN_COLUMN, id),
      accessTokenExpiresAt: new Date(now() + lifetimeSeconds * 1000).toISOString(),
      accessTokenLifetimeSeconds: lifetimeSeconds,
      refreshTokenSealed:
        refreshToken === null ? null : seal(refreshToken, REFRESH_TOKEN_COLUMN, id),
      ...(scopes && { scopes }),
    };
  }

  /**
   * Queues the background refresh of tokens just saved. A convenience: failing to queue it must
   * not lose the tokens (an expiring token is then refreshed on demand, and the start-up sweep
   * queues it again).
   */
  async function scheduleNextRefresh(tx: Queryable, saved: CredentialRow): Promise<void> {
    const times = tokenTimes(saved);
    if (!times || !saved.refresh_token_sealed) return;
    await withSavepoint(tx, 'hostpass_schedule', () =>
      deps.scheduleRefresh(tx, { credentialId: saved.id, at: backgroundRefreshAtMs(saved, times) }),
    ).catch((error: unknown) =>
      deps.logger.warn({ credentialId: saved.id, err: error }, 'queueing the next refresh failed'),
    );
  }

  /** Commits new Zoom tokens and queues the next background refresh; null if the credential changed meanwhile. */
  async function persistRefreshedTokens(
    q: Queryable,
    row: CredentialRow,
    tokens: ZoomTokenSet,
  ): Promise<AccessToken | null> {
    const stored = sealTokens(
      row.id,
      tokens.accessToken,
      tokens.expiresIn,
      tokens.refreshToken,
      tokens.scopes,
    );
    const save = async (tx: Queryable): Promise<AccessToken | null> => {
      const saved = await credentials.saveTokens(row.id, stored, row.refresh_token_sealed, tx);
      if (!saved) return null;
      await scheduleNextRefresh(tx, saved);
      return { token: tokens.accessToken, expiresAt: saved.access_token_expires_at as string };
    };
    // On PostgreSQL `q` is the lock's transaction: a savepoint keeps it usable if the save fails,
    // so that the failure itself can still be recorded. On PGlite make the writes atomic.
    return db.engine === 'postgres'
      ? withSavepoint(q, 'hostpass_tokens', () => save(q))
      : db.transaction(save);
  }

  /** Zoom rotated the tokens but Hostpass could not store them: the stored refresh token is dead. */
  async function persistFailure(q: Queryable, row: CredentialRow, error: unknown): Promise<Error> {
    const message = errorMessage(error);
    await credentials.markRefreshInDoubt(row.id, q);
    await deps.log(
      q,
      row,
      'error',
      `Zoom issued new tokens but storing them failed (${message}); the next refresh will tell whether the grant survived.`,
    );
    deps.logger.error({ credentialId: row.id, err: error }, 'storing refreshed tokens failed');
    return new UpstreamUnavailableError(
      'Storing the refreshed Zoom tokens failed; try again shortly.',
    );
  }

  async function markUnhealthy(
    q: Queryable,
    row: CredentialRow,
    reason: string,
  ): Promise<CredentialUnhealthyError> {
    // Compare-and-set on the status read under the refresh lock: app_deauthorized does not take
    // that lock, and on the embedded store (an in-process lock) it can commit while Zoom is being
    // asked. Its reason is the true one (and its tokens are gone); the refresh's must not replace it.
    const marked = await credentials.markUnhealthy(row.id, reason, row.status_version, q);
    if (!marked) {
      const current = await credentials.findById(row.id, q);
      return new CredentialUnhealthyError(current?.status_reason ?? reason);
    }
    await deps.log(q, row, 'error', `Marked unhealthy: ${reason}`);
    if (row.status !== 'unhealthy' || row.status_reason !== reason)
      await deps.events(q, 'credential.unhealthy', row.id, { previous_status: row.status });
    return new CredentialUnhealthyError(reason);
  }

  function deadGrantReason(row: CredentialRow, zoomReason: string): string {
    if (row.refresh_in_doubt_since) {
      return (
        `Zoom refused the refresh token (invalid_grant: ${zoomReason}). A refresh at ${row.refresh_in_doubt_since} ` +
        'got no answer from Zoom, which had most likely already rotated the token, so the stored one is dead. ' +
        reconnectAdvice(row.app_kind)
      );
    }
    return (
      `Zoom refused the refresh token (invalid_grant: ${zoomReason}): the user revoked access, the app was ` +
      `authorized again outside this Hostpass workspace, or the grant expired. ${reconnectAdvice(row.app_kind)}`
    );
  }

  async function refreshManaged(
    q: Queryable,
    row: CredentialRow,
    secrets: AppSecrets | null,
  ): Promise<RenewalOutcome> {
    if (!row.refresh_token_sealed) {
      return {
        ok: false,
        error: await markUnhealthy(
          q,
          row,
          `Hostpass holds no refresh token for this credential (the grant was removed). ${reconnectAdvice(row.app_kind)}`,
        ),
      };
    }
    if (!secrets) return { ok: false, error: new NotFoundError() };
    let tokens: ZoomTokenSet;
    try {
      tokens = await oauth.refresh(
        secrets,
        open(row.refresh_token_sealed, REFRESH_TOKEN_COLUMN, row.id),
      );
    } catch (error) {
      return { ok: false, error: await refreshFailure(q, row, error) };
    }
    // From here Zoom has rotated: the old refresh token is dead, only the new one counts.
    try {
      const saved = await persistRefreshedTokens(q, row, tokens);
      if (saved) return { ok: true, token: saved };
      return {
        ok: false,
        error: new CredentialUnhealthyError(
          'The credential changed while it was refreshed (it was deauthorized or deleted).',
        ),
      };
    } catch (error) {
      return { ok: false, error: await persistFailure(q, row, error) };
    }
  }

  async function refreshFailure(q: Queryable, row: CredentialRow, error: unknown): Promise<Error> {
    if (error instanceof ZoomOAuthError && error.kind === 'grant_dead') {
      return markUnhealthy(q, row, deadGrantReason(row, error.zoomReason));
    }
    if (error instanceof ZoomOAuthError && error.kind === 'client_rejected') {
      return markUnhealthy(
        q,
        row,
        "Zoom rejected the OAuth app's client_id/client_secret when refreshing (invalid_client). Correct the app's " +
          `client_secret (PATCH /api/v2/zoom-oauth-apps/${row.oauth_app_id}/), then POST /api/v2/zoom-oauth-credentials/${row.id}/validate/.`,
      );
    }
    if (error instanceof ZoomUnreachableError) await credentials.markRefreshInDoubt(row.id, q);
    await credentials.setRefreshRetryAt(
      row.id,
      new Date(now() + TRANSIENT_COOLDOWN_MS).toISOString(),
      q,
    );
    const message = errorMessage(error);
    await deps.log(q, row, 'warning', `Token refresh failed; retrying with backoff (${message}).`);
    deps.logger.warn({ credentialId: row.id, err: error }, 'credential refresh failed transiently');
    return new UpstreamUnavailableError(
      `Zoom did not complete the token refresh (${message}). Hostpass keeps retrying; try again shortly.`,
    );
  }

  async function fetchFromCallback(q: Queryable, row: CredentialRow): Promise<RenewalOutcome> {
    const url = open(row.access_token_callback_url_sealed as string, CALLBACK_URL_COLUMN, row.id);
    try {
      const token = await deps.callbackFetcher.fetchToken(url);
      const expiry = jwtExpiry(token);
      const lifetime =
        expiry === null ? CALLBACK_TOKEN_MIN_SECONDS : Math.floor(expiry - now() / 1000);
      // The contract promises 120 s; an (almost) expired token would be useless and refetched at once.
      if (lifetime < CALLBACK_TOKEN_MIN_SECONDS / 4) {
        throw new CallbackFetchError(`returned a token that expires in ${lifetime} s.`);
      }
      const saved = await credentials.saveTokens(
        row.id,
        sealTokens(row.id, token, lifetime, null),
        null,
        q,
      );
      return { ok: true, token: { token, expiresAt: saved?.access_token_expires_at as string } };
    } catch (error) {
      if (!(error instanceof CallbackFetchError)) throw error;
      await deps.log(q, row, 'warning', `access_token_callback_url ${error.message}`);
      return {
        ok: false,
        error: new UpstreamUnavailableError(`The access_token_callback_url ${error.message}`),
      };
    }
  }

  async function renewLocked(
    credential: CredentialRow,
    intent: RenewalIntent,
  ): Promise<RenewalOutcome> {
    // Read before taking the lock: on PostgreSQL the lock holds a pool connection, and a second
    // query inside it would need another one — with every connection held that way, none is free.
    const secrets = credential.access_token_callback_url_sealed
      ? null
      : await deps.appSecrets(credential.oauth_app_id);
    return withRefreshLock(credential.id, async (q, row) => {
      if (!row) return { ok: false, error: new NotFoundError() };
      if (row.status === 'unhealthy' && !intent.allowUnhealthy) {
        return { ok: false, error: new CredentialUnhealthyError(row.status_reason ?? 'unknown') };
      }
      // Re-read under the lock: another caller or process may have renewed it meanwhile.
      if (!needsRenewal(row, intent)) return { ok: true, token: currentToken(row) as AccessToken };
      if (row.access_token_callback_url_sealed)
        return counted(row, await fetchFromCallback(q, row));
      // The cooldown keeps request traffic from hammering a sick Zoom; the job has its own backoff.
      const coolingDown = row.refresh_retry_at !== null && Date.parse(row.refresh_retry_at) > now();
      if (coolingDown && !intent.allowUnhealthy && !intent.dueOnly) {
        return {
          ok: false,
          error: new UpstreamUnavailableError(
            'The last token refresh failed; Hostpass retries it in the background. Try again shortly.',
            2,
          ),
        };
      }
      return counted(row, await refreshManaged(q, row, secrets));
    });
  }

  /**
   * Counts a renewal that reached Zoom (or the callback URL) for the Overview. A grant found gone
   * counts once, when it turns the credential unhealthy (as a deauthorization does): retrying an
   * unhealthy credential (Validate) loses nothing new.
   */
  function counted(row: CredentialRow, outcome: RenewalOutcome): RenewalOutcome {
    const kind: RefreshOutcome | null = outcome.ok
      ? 'ok'
      : outcome.error instanceof UpstreamUnavailableError
        ? 'transient_failure'
        : outcome.error instanceof CredentialUnhealthyError && row.status === 'healthy'
          ? 'credential_lost'
          : null;
    if (kind) deps.stats.count(row.workspace_id, `refreshes.${kind}`);
    return outcome;
  }

  async function renew(row: CredentialRow, intent: RenewalIntent): Promise<AccessToken> {
    const id = row.id;
    const shared = !intent.force && !intent.allowUnhealthy;
    let flight = shared ? inFlight.get(id) : undefined;
    if (!flight) {
      flight = renewLocked(row, intent);
      if (shared) {
        inFlight.set(id, flight);
        void flight.finally(() => inFlight.delete(id));
      }
    }
    const outcome = await flight;
    if (!outcome.ok) throw outcome.error;
    return outcome.token;
  }

  async function accessToken(row: CredentialRow, intent: RenewalIntent = {}): Promise<AccessToken> {
    if (row.status === 'unhealthy' && !intent.allowUnhealthy)
      throw new CredentialUnhealthyError(row.status_reason ?? 'unknown');
    if (!needsRenewal(row, intent)) return currentToken(row) as AccessToken;
    return renew(row, intent);
  }

  /** One try of adoptGrant; null when the compare-and-set found the grant changed meanwhile. */
  function adoptLocked(
    credentialId: string,
    grant: NewGrant,
    hooks: AdoptionHooks,
  ): Promise<AdoptionOutcome | null> {
    return withRefreshLock(credentialId, async (q, row): Promise<AdoptionOutcome | null> => {
      if (!row) return { kind: 'gone' };
      if (!(await hooks.isLive())) return { kind: 'superseded', row };
      const stored = {
        ...sealTokens(row.id, grant.accessToken, grant.lifetimeSeconds, grant.refreshToken),
        scopes: grant.scopes,
      };
      const save = async (tx: Queryable): Promise<AdoptionOutcome | null> => {
        const adopted = await credentials.adoptGrant(row.id, stored, row.refresh_token_sealed, tx);
        if (!adopted) return null;
        await scheduleNextRefresh(tx, adopted);
        await hooks.onAdopted(tx, adopted);
        return { kind: 'adopted', row: adopted };
      };
      // On PostgreSQL `q` is the lock's transaction; on PGlite make the writes atomic.
      return db.engine === 'postgres' ? save(q) : db.transaction(save);
    });
  }

  return {
    /** A token with life left, renewed first only when it is (nearly) expired. */
    accessToken: (row: CredentialRow) => accessToken(row),

    /**
     * Calls Zoom with the credential's token. On Zoom's 124 (token invalid or expired, e.g. the
     * clocks disagree or the grant was re-issued), renews once and retries once.
     */
    async callWithToken<T>(row: CredentialRow, call: (token: string) => Promise<T>): Promise<T> {
      const first = await accessToken(row);
      try {
        return await call(first.token);
      } catch (error) {
        if (!(error instanceof ZoomApiError && error.tokenRejected)) throw error;
        const second = await accessToken(row, { rejectedToken: first.token });
        return call(second.token);
      }
    },

    /** Proves the grant works end to end: a fresh token (refresh, or callback fetch) now. */
    forceRenewal: (row: CredentialRow) => renew(row, { force: true, allowUnhealthy: true }),

    /**
     * The background job: refreshes a managed credential once its refresh time has come. A job
     * that comes early (queued for tokens that were replaced since) moves itself to the current
     * tokens' refresh time, so a credential always has its next refresh queued. One this process
     * is late for waits its turn (refresh-pacer.ts), never past its token's latest safe moment,
     * except a retry (late by its backoff, not by the process). The process stopping (`attempt.signal`) ends the wait and hands the job back
     * at its planned time: the next process spreads it with the rest of the backlog at its start
     * (catch-up.ts), where a failed job would be retried, unpaced, with every other one at once.
     */
    async refreshIfDue(
      job: RefreshJob,
      attempt?: Pick<Attempt, 'retryCount' | 'signal'>,
    ): Promise<void> {
      const row = await credentials.findById(job.credentialId);
      if (!row || row.status === 'unhealthy' || !row.refresh_token_sealed) return;
      if (!needsRenewal(row, { dueOnly: true })) {
        await db.transaction((tx) => scheduleNextRefresh(tx, row));
        return;
      }
      // Jobs that all fell due while no process ran them (a restart) are spread, not run at once.
      const times = tokenTimes(row);
      const catchUpAt =
        times && job.at !== undefined && !job.deferred
          ? catchUpAtMs(times, job.at, now(), refreshPhase(row.refresh_slot))
          : null;
      if (catchUpAt !== null) {
        await db.transaction((tx) =>
          deps.scheduleRefresh(tx, { credentialId: row.id, at: catchUpAt, deferred: true }),
        );
        return;
      }
      const at = job.at;
      if (at !== undefined && (attempt?.retryCount ?? 0) === 0) {
        const paced = { atMs: at, ...(times && { latestMs: latestRefreshAtMs(times) }) };
        const stopping = await pacer.turn(paced, attempt?.signal).then(
          () => false,
          () => attempt?.signal?.aborted === true,
        );
        if (stopping) {
          // Handed back as it came: a deferred job keeps its flag, so it is not moved a second time.
          await db.transaction((tx) =>
            deps.scheduleRefresh(tx, { credentialId: row.id, at, deferred: job.deferred }),
          );
          return;
        }
      }
      const outcome = await renewLocked(row, { dueOnly: true });
      // Transient failures are thrown so the job is retried with backoff; a dead grant is final.
      if (!outcome.ok && outcome.error instanceof UpstreamUnavailableError) throw outcome.error;
    },

    /**
     * Re-authorization: when the Zoom user (account) authorizes the app again, Zoom ends the grant
     * this credential holds, so the credential takes over the new one, with a refresh's
     * discipline: under the refresh lock (a refresh of the old grant either committed before and
     * is replaced, or runs after and finds the new tokens), re-read, compare-and-set, no doubt or
     * cooldown left behind, the next refresh queued. `isLive` asks Zoom, under the lock, whether
     * the new grant still works: of two authorizations racing, Zoom keeps only the later one, and
     * asking under the lock makes the grant adopted last the one Zoom kept.
     */
    async adoptGrant(
      credentialId: string,
      grant: NewGrant,
      hooks: AdoptionHooks,
    ): Promise<AdoptionOutcome> {
      // On PGlite nothing but this process's lock guards the row: a deauthorization of the old
      // grant may delete its tokens between the read and the write. Read again once.
      const outcome =
        (await adoptLocked(credentialId, grant, hooks)) ??
        (await adoptLocked(credentialId, grant, hooks));
      if (!outcome)
        throw new UpstreamUnavailableError(
          'The credential changed while the new authorization was being saved; try again.',
        );
      return outcome;
    },

    scheduleNextRefresh,

    sealTokens,
  };
}

export type TokenManager = ReturnType<typeof createTokenManager>;
