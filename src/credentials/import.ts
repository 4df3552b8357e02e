import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { AppService } from '../apps/service.ts';
import type { Database, Queryable } from '../db/database.ts';
import { BadRequestError, NotFoundError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import { missingScopes } from '../zoom/scopes.ts';
import { zoomUserProfile } from '../zoom/user-profile.ts';
import { insertCredentialLogs, insertCredentials } from './import-store.ts';
import type { NewCredentialRow } from './store.ts';
import { firstRefreshJob, type RefreshJob, type TokenManager } from './token-manager.ts';

/**
 * One grant to import: the tokens as Zoom's /oauth/token answered them (`expires_in` counts from
 * `issued_at`, default the import) and the user as /users/me shows them. The Zoom emulator's `POST /_emulator/fleet`
 * answers exactly this; a team moving from another system exports its grants in this shape.
 */
export const ImportedGrant = Type.Object({
  user: Type.Object({
    id: Type.String({ minLength: 1, maxLength: 64 }),
    account_id: Type.String({ minLength: 1, maxLength: 64 }),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    first_name: Type.Optional(Type.String({ maxLength: 200 })),
    last_name: Type.Optional(Type.String({ maxLength: 200 })),
    display_name: Type.Optional(Type.String({ maxLength: 400 })),
  }),
  access_token: Type.String({ minLength: 1, maxLength: 8192 }),
  refresh_token: Type.String({ minLength: 1, maxLength: 8192 }),
  expires_in: Type.Integer({ minimum: 1, maximum: 86_400 }),
  scope: Type.String({ maxLength: 8192 }),
  /** When Zoom issued the tokens (ISO 8601); default: now. The access token expires `expires_in` after. */
  issued_at: Type.Optional(Type.String({ maxLength: 40 })),
});
export type ImportedGrant = Static<typeof ImportedGrant>;
export const isImportedGrant = Compile(ImportedGrant);

export interface ImportOutcome {
  created: number;
  /** A credential for that Zoom user and app existed already: left as it is. */
  existing: number;
}

/** Credentials per transaction (and statement): large enough to amortise it, small enough to hold nothing long. */
const BATCH = 500;

export interface CredentialImportDeps {
  db: Database;
  appService: AppService;
  tokenManager: TokenManager;
  /** Queues the first background refresh of each new credential (they have none yet). */
  queueRefreshes: (q: Queryable, jobs: readonly RefreshJob[]) => Promise<void>;
  /** Starts each new credential's initial meeting sync (stored as in progress already). */
  startSyncs: (credentialIds: readonly string[], tx: Queryable) => Promise<void>;
}

/**
 * Imports grants held elsewhere (a migration, or seeding a benchmark's fleet) without a consent
 * round trip per user: each becomes a credential as if connected — sealed tokens, its first
 * refresh and initial meeting sync queued in the same transaction — so from then on the real
 * refresh and sync code keeps it alive. Written a batch per statement, so 100,000 grants import
 * in minutes. No credential.created event: an import moves existing connections, it is not a user
 * connecting. Only user-level apps: an account-level grant's identity is the account, which the
 * file cannot prove either way.
 */
export function createCredentialImport(deps: CredentialImportDeps) {
  const { db, tokenManager } = deps;

  function newRow(workspaceId: string, appId: string, grant: ImportedGrant): NewCredentialRow {
    const id = uuidv7();
    const stored = tokenManager.sealTokens(
      id,
      grant.access_token,
      grant.expires_in,
      grant.refresh_token,
    );
    const expiresAt =
      grant.issued_at === undefined
        ? stored.accessTokenExpiresAt
        : new Date(Date.parse(grant.issued_at) + grant.expires_in * 1000).toISOString();
    return {
      id,
      workspaceId,
      appId,
      appKind: 'user_level',
      zoomUserId: grant.user.id,
      zoomAccountId: grant.user.account_id,
      zoomUser: zoomUserProfile(grant.user),
      scopes: grant.scope.split(' ').filter((scope) => scope !== ''),
      callbackUrlSealed: null,
      callbackUrlDisplay: null,
      accessTokenSealed: stored.accessTokenSealed,
      accessTokenExpiresAt: expiresAt,
      accessTokenLifetimeSeconds: stored.accessTokenLifetimeSeconds,
      refreshTokenSealed: stored.refreshTokenSealed,
    };
  }

  async function importBatch(
    workspaceId: string,
    appId: string,
    batch: readonly ImportedGrant[],
  ): Promise<number> {
    const rows = batch.map((grant) => newRow(workspaceId, appId, grant));
    return db.transaction(async (tx) => {
      const created = await insertCredentials(rows, tx);
      const jobs = created.map(firstRefreshJob).filter((job) => job !== null);
      await deps.queueRefreshes(tx, jobs);
      await deps.startSyncs(
        created.map((row) => row.id),
        tx,
      );
      await insertCredentialLogs(
        created.map((row) => ({
          workspaceId,
          credentialId: row.id,
          message: `Imported the grant of Zoom user ${row.zoom_user_id}.`,
        })),
        tx,
      );
      return created.length;
    });
  }

  return {
    /** Every grant is checked before any is stored: a bad line imports nothing. */
    async importGrants(
      workspaceId: string,
      appId: string,
      grants: readonly ImportedGrant[],
      onProgress?: (done: number) => void,
    ): Promise<ImportOutcome> {
      const app = await deps.appService.get(workspaceId, appId).catch((error: unknown) => {
        if (error instanceof NotFoundError)
          throw new BadRequestError(`OAuth app ${appId} does not exist in this workspace.`);
        throw error;
      });
      if (app.kind !== 'user_level')
        throw new BadRequestError('Only grants of user-level apps can be imported.');
      grants.forEach((grant, index) => {
        const issued = grant.issued_at === undefined ? Date.now() : Date.parse(grant.issued_at);
        if (!(issued <= Date.now() + 60_000))
          throw new BadRequestError(
            `Grant ${index + 1} (Zoom user ${grant.user.id}): issued_at is not a past ISO 8601 time.`,
          );
        const missing = missingScopes(app.kind, grant.scope.split(' '));
        if (missing.length > 0)
          throw new BadRequestError(
            `Grant ${index + 1} (Zoom user ${grant.user.id}) lacks scopes Hostpass needs: ${missing.join(', ')}.`,
          );
      });
      const outcome: ImportOutcome = { created: 0, existing: 0 };
      const ordered = interleaveAccounts(grants);
      for (let from = 0; from < ordered.length; from += BATCH) {
        const batch = ordered.slice(from, from + BATCH);
        const created = await importBatch(workspaceId, app.id, batch);
        outcome.created += created;
        outcome.existing += batch.length - created;
        onProgress?.(from + batch.length);
      }
      // The planner's statistics still describe the table before the import: refreshed now, the
      // list's filters use their indexes from the first request instead of after autovacuum.
      if (outcome.created > 0) await db.query('ANALYZE zoom_oauth_credentials');
      return outcome;
    },
  };
}

/**
 * The grants one account at a time in turn (the first of each account, then the second…), each
 * account's own order kept. The initial syncs run in this order, and Zoom's rate limits are per
 * account: a file grouped by account would put every sync in flight on the budget of one or two
 * accounts (waiting, about 22 syncs a second) while thousands of other accounts sit idle.
 */
export function interleaveAccounts<T extends { user: { account_id: string } }>(
  grants: readonly T[],
): T[] {
  const byAccount = new Map<string, T[]>();
  for (const grant of grants) {
    const list = byAccount.get(grant.user.account_id);
    if (list) list.push(grant);
    else byAccount.set(grant.user.account_id, [grant]);
  }
  const ordered: T[] = [];
  // Lists drop out once used up, so a file of one large account and many small ones stays linear.
  let lists = [...byAccount.values()];
  for (let round = 0; lists.length > 0; round += 1) {
    for (const list of lists) ordered.push(list[round] as T);
    lists = lists.filter((list) => list.length > round + 1);
  }
  return ordered;
}

export type CredentialImport = ReturnType<typeof createCredentialImport>;
