import type { Database, Queryable } from '../db/database.ts';
import type { LogStore } from '../logs/store.ts';
import type { StoredWebhookEvent } from '../webhooks/store.ts';
import type { CredentialStore } from './store.ts';

/** Zoom sends `user_data_retention` as a string ("false") in its samples; accept both forms. */
function retentionGranted(value: unknown): boolean {
  return value === true || value === 'true';
}

/**
 * `app_deauthorized`: the user or admin removed the app in Zoom. The credential turns unhealthy
 * with the reason, and — Zoom's data-compliance rule — its tokens and meeting data are deleted
 * unless the event says the user allowed retention. The row itself stays, so the customer can
 * see what happened and when.
 */
export function createDeauthorizationHandler(deps: {
  db: Database;
  credentials: CredentialStore;
  credentialLogs: LogStore;
  /** Removes what else Hostpass keeps about the credential's meetings (inside the transaction). */
  purgeMeetingData: (tx: Queryable, credentialId: string) => Promise<void>;
}) {
  const { db, credentials, credentialLogs } = deps;
  return async (event: StoredWebhookEvent): Promise<void> => {
    const payload = event.payload;
    const userId = typeof payload.user_id === 'string' ? payload.user_id : null;
    const accountId = typeof payload.account_id === 'string' ? payload.account_id : '';
    const when =
      typeof payload.deauthorization_time === 'string'
        ? payload.deauthorization_time
        : event.received_at;
    const retained = retentionGranted(payload.user_data_retention);
    const affected = await credentials.findByZoomIdentity(event.oauth_app_id, userId, accountId);
    for (const credential of affected) {
      await db.transaction(async (tx) => {
        const reason = `The Zoom ${credential.app_kind === 'account_level' ? 'account' : 'user'} removed the app (deauthorized at ${when}). Connect it again to restore access.`;
        await credentials.setStatus(tx, credential.id, 'unhealthy', reason);
        const log = (message: string) =>
          credentialLogs.insert(
            {
              workspaceId: credential.workspace_id,
              subjectId: credential.id,
              level: 'error',
              message,
            },
            tx,
          );
        await log(`Marked unhealthy: ${reason}`);
        if (retained) return;
        await credentials.deleteTokens(tx, credential.id);
        await deps.purgeMeetingData(tx, credential.id);
        await log(
          "Deleted the credential's tokens and meeting data, as Zoom requires after deauthorization.",
        );
      });
    }
  };
}
