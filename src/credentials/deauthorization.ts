import type { Database, Queryable } from '../db/database.ts';
import type { LogLevel, LogService } from '../logs/service.ts';
import type { StatsRecorder } from '../stats/metrics.ts';
import type { StoredWebhookEvent } from '../webhooks/processor.ts';
import { reconnectAdvice } from './errors.ts';
import type { CredentialEvents } from './events.ts';
import type { CredentialRow, CredentialStore } from './store.ts';

/** Zoom sends `user_data_retention` as a string ("false") in its samples; accept both forms. */
function retentionGranted(value: unknown): boolean {
  return value === true || value === 'true';
}

/**
 * Zoom's clock and ours may disagree: a deauthorization this close to (or before) the moment the
 * credential's grant was authorized may be about the grant it replaced. Zoom is asked then.
 */
const CLOCK_DOUBT_MS = 5 * 60_000;

/**
 * `app_deauthorized`: the user or admin removed the app in Zoom. The credential turns unhealthy
 * with the reason, and — Zoom's data-compliance rule — its tokens and meeting data are deleted
 * unless the event says the user allowed retention. The row itself stays, so the customer can
 * see what happened and when. An event about a grant the credential no longer holds (delayed
 * past a re-authorization, which the credential adopted) leaves it alone.
 */
export function createDeauthorizationHandler(deps: {
  db: Database;
  credentials: CredentialStore;
  credentialLogs: LogService;
  /** Removes what else Hostpass keeps about the credential's meetings (inside the transaction). */
  purgeMeetingData: (tx: Queryable, credentialId: string) => Promise<void>;
  /** Whether Zoom still accepts the grant the credential holds now; throws when Zoom cannot tell. */
  grantWorks: (credential: CredentialRow) => Promise<boolean>;
  events: CredentialEvents;
  stats: StatsRecorder;
}) {
  const { db, credentials, credentialLogs } = deps;

  const logFor =
    (credential: CredentialRow, q: Queryable) =>
    (message: string, level: LogLevel = 'error') =>
      credentialLogs.insert(
        { workspaceId: credential.workspace_id, subjectId: credential.id, level, message },
        q,
      );

  /** Whether the event (at `when`) is about the grant the credential holds now. */
  async function aboutCurrentGrant(credential: CredentialRow, when: string): Promise<boolean> {
    if (Date.parse(when) >= Date.parse(credential.grant_authorized_at) + CLOCK_DOUBT_MS)
      return true;
    return !(await deps.grantWorks(credential));
  }

  /** Applies the event to one credential; false if it adopted another grant meanwhile. */
  function apply(credential: CredentialRow, when: string, retained: boolean): Promise<boolean> {
    return db.transaction(async (tx) => {
      const reason = `The Zoom ${credential.app_kind === 'account_level' ? 'account' : 'user'} removed the app (deauthorized at ${when}). ${reconnectAdvice(credential.app_kind)}`;
      const marked = await credentials.markDeauthorized(
        credential.id,
        reason,
        credential.grant_authorized_at,
        tx,
      );
      if (!marked) return false;
      const log = logFor(credential, tx);
      await log(`Marked unhealthy: ${reason}`);
      await deps.events(tx, 'credential.unhealthy', credential.id, {
        previous_status: credential.status,
      });
      if (retained) return true;
      await credentials.deleteTokens(credential.id, tx);
      await deps.purgeMeetingData(tx, credential.id);
      await log(
        "Deleted the credential's tokens and meeting data, as Zoom requires after deauthorization.",
      );
      return true;
    });
  }

  return async (event: StoredWebhookEvent): Promise<void> => {
    const payload = event.payload;
    const userId = typeof payload.user_id === 'string' ? payload.user_id : null;
    const accountId = typeof payload.account_id === 'string' ? payload.account_id : '';
    const when =
      typeof payload.deauthorization_time === 'string' &&
      !Number.isNaN(Date.parse(payload.deauthorization_time))
        ? payload.deauthorization_time
        : event.received_at;
    const retained = retentionGranted(payload.user_data_retention);
    const affected = await credentials.findByZoomIdentity(event.oauth_app_id, userId, accountId);
    for (const found of affected) {
      // Decided again if the credential adopts a new grant while this runs.
      for (let credential: CredentialRow | undefined = found; credential; ) {
        if (!(await aboutCurrentGrant(credential, when))) {
          await logFor(credential, db)(
            `Ignored a deauthorization from ${when}: it is about an earlier grant; the credential holds a newer one, which Zoom still accepts.`,
            'info',
          );
          break;
        }
        if (await apply(credential, when, retained)) {
          // The Overview's "credential lost": a grant gone, as a refusing refresh would have found.
          if (credential.status === 'healthy')
            deps.stats.count(credential.workspace_id, 'refreshes.credential_lost');
          break;
        }
        credential = await credentials.findById(credential.id);
      }
    }
  };
}
