import type { Logger } from 'pino';
import type { Static } from 'typebox';
import type { Queryable } from '../db/database.ts';
import type { KeysetPage, KeysetWindow } from '../db/keyset.ts';
import {
  BadRequestError,
  NotFoundError,
  UpstreamUnavailableError,
  ValidationError,
} from '../errors.ts';
import type { LogLevel, LogService } from '../logs/service.ts';
import { ZoomApiError, ZoomBadAnswerError } from '../zoom/api.ts';
import {
  type CommitHook,
  type ConnectDeps,
  conflictError,
  connectFlowFactory,
  type GrantCommit,
  type NewCredential,
} from './connect.ts';
import { CredentialUnhealthyError, validationFailureReason } from './errors.ts';
import type { CredentialEvents } from './events.ts';
import type { CredentialLogObject } from './schemas.ts';
import type { CredentialFilters, CredentialRow, CredentialStore } from './store.ts';
import { type CredentialView, toCredentialView, zoomIdentity } from './view.ts';

/** The credentials feature's public face: other features import these from here, never the store. */
export type { CredentialRef, CredentialRow, ZoomIdentity } from './store.ts';
/**
 * The credential's columns, for a query that reads a credential in the same statement as its own
 * rows (the meetings feature's resolveCredential: the mint path makes one query, not two).
 */
export { credentialColumns } from './store.ts';

/**
 * What the meetings feature reads and writes of credentials, built from the store by the
 * composition root: syncs and Zoom's webhooks find the credentials that reach a host, record what
 * Zoom said about the user and the sync's status. Narrow on purpose: anything else goes through
 * the credential service.
 */
export type CredentialAccess = Pick<
  CredentialStore,
  | 'findById'
  | 'findByZoomIdentity'
  | 'findByZoomIdentities'
  | 'meetingReaders'
  | 'updateZoomUser'
  | 'updateZoomUserOf'
  | 'setMeetingSyncStatus'
>;

export const credentialAccess = (credentials: CredentialStore): CredentialAccess => ({
  findById: credentials.findById,
  findByZoomIdentity: credentials.findByZoomIdentity,
  findByZoomIdentities: credentials.findByZoomIdentities,
  meetingReaders: credentials.meetingReaders,
  updateZoomUser: credentials.updateZoomUser,
  updateZoomUserOf: credentials.updateZoomUserOf,
  setMeetingSyncStatus: credentials.setMeetingSyncStatus,
});

export type { CommitHook, GrantCommit, NewCredential } from './connect.ts';
/** A credential as the API shows it; see view.ts. */
export { type CredentialView, toCredentialView } from './view.ts';

export type CredentialLogView = Static<typeof CredentialLogObject>;

export interface CredentialServiceDeps extends Omit<ConnectDeps, 'log'> {
  credentialLogs: LogService<'credential'>;
  /** Queues a meeting resync of a credential. */
  requestSync: (credential: CredentialRow) => Promise<void>;
  events: CredentialEvents;
  logger: Logger;
}

export const credentialServiceFactory = (deps: CredentialServiceDeps) => {
  const { db, credentials, credentialLogs, appService, tokenManager, oauth, api } = deps;

  const log = (q: Queryable, row: CredentialRow, level: LogLevel, message: string) =>
    credentialLogs.insert({ workspaceId: row.workspace_id, subjectId: row.id, level, message }, q);

  async function requireCredential(workspaceId: string, id: string): Promise<CredentialRow> {
    const row = await credentials.findInWorkspace(workspaceId, id);
    if (!row) throw new NotFoundError();
    return row;
  }

  /** The credential as stored now: a request that raced its deletion ends as a 404. */
  async function reread(id: string): Promise<CredentialRow> {
    const row = await credentials.findById(id);
    if (!row) throw new NotFoundError();
    return row;
  }

  const { connectWithCode, connectWithCallback, commitGrant, appForCredential, tokenAccepted } =
    connectFlowFactory({ ...deps, log });

  return {
    async create(workspaceId: string, input: NewCredential): Promise<CredentialView> {
      if (
        (input.authorization_code === undefined) ===
        (input.access_token_callback_url === undefined)
      ) {
        throw new ValidationError({
          non_field_errors: [
            'Provide exactly one of authorization_code (managed OAuth) or access_token_callback_url (customer-managed OAuth).',
          ],
        });
      }
      const { app, secrets } = await appForCredential(workspaceId, input.oauth_app);
      const grant = input.authorization_code
        ? await connectWithCode(workspaceId, app, secrets, input.authorization_code)
        : await connectWithCallback(input.access_token_callback_url as string);
      const committed = await commitGrant(workspaceId, app, secrets, grant);
      if (committed.kind === 'created') return committed.credential;
      if (committed.kind === 'refused') throw new Error('unreachable: no commit hook');
      // The seed's conflict, still a 400 for existing clients; `reauthorized` says it healed.
      throw conflictError(
        app.kind,
        grant,
        committed.credential.id,
        committed.kind === 'reauthorized',
      );
    },

    /**
     * The hosted Connect flow's completion: exchanges the code and commits the grant (creates the
     * credential or heals the existing one), running `onCommit` in the committing transaction.
     */
    async connect(
      workspaceId: string,
      appId: string,
      code: NonNullable<NewCredential['authorization_code']>,
      onCommit: CommitHook,
    ): Promise<GrantCommit> {
      const { app, secrets } = await appForCredential(workspaceId, appId);
      const grant = await connectWithCode(workspaceId, app, secrets, code);
      return commitGrant(workspaceId, app, secrets, grant, onCommit);
    },

    async get(workspaceId: string, id: string): Promise<CredentialView> {
      return toCredentialView(await requireCredential(workspaceId, id));
    },

    async list(
      workspaceId: string,
      filters: CredentialFilters,
      window: KeysetWindow,
    ): Promise<KeysetPage<CredentialView>> {
      const page = await credentials.list(workspaceId, filters, window);
      return { ...page, rows: page.rows.map(toCredentialView) };
    },

    async accessToken(workspaceId: string, id: string) {
      return tokenManager.accessToken(await requireCredential(workspaceId, id));
    },

    /** Proves the grant works now (fresh token, then /users/me) and sets the status to match. */
    async validate(workspaceId: string, id: string): Promise<CredentialView> {
      const row = await requireCredential(workspaceId, id);
      try {
        const token = await tokenManager.forceRenewal(row);
        await api.getMe(token.token);
      } catch (error) {
        const reason = validationFailureReason(error, row.app_kind);
        // Zoom failing to answer (or answering garbage) says nothing about the grant.
        if (
          error instanceof ZoomBadAnswerError ||
          error instanceof UpstreamUnavailableError ||
          (error instanceof ZoomApiError && error.transient)
        )
          throw error;
        // A refresh failure may already have marked it unhealthy (with the better reason): keep that.
        const current = await reread(row.id);
        if (current.status !== 'healthy') return toCredentialView(current);
        const marked = await db.transaction(async (tx) => {
          // Not if its status changed since it was read (app_deauthorized): that one stands.
          const updated = await credentials.markUnhealthy(
            row.id,
            reason,
            current.status_version,
            tx,
          );
          if (!updated) return undefined;
          await log(tx, row, 'error', `Validation failed: ${reason}`);
          await deps.events(tx, 'credential.unhealthy', row.id, { previous_status: 'healthy' });
          return updated;
        });
        return toCredentialView(marked ?? (await credentials.findById(row.id)) ?? current);
      }
      if (row.status === 'unhealthy') {
        // Not if its status changed while Zoom was being asked (app_deauthorized): that one stands.
        const restored = await db.transaction(async (tx) => {
          const healthy = await credentials.restoreHealthy(row.id, row.status_version, tx);
          if (!healthy) return healthy;
          await log(
            tx,
            row,
            'info',
            'Validated: the grant works again; the credential is healthy.',
          );
          await deps.events(tx, 'credential.healthy', row.id, { previous_status: 'unhealthy' });
          return healthy;
        });
        if (restored) {
          // Syncing stopped while it was unhealthy: catch up now.
          await deps.requestSync(restored);
        }
      }
      return toCredentialView(await reread(row.id));
    },

    async requestSync(workspaceId: string, id: string): Promise<CredentialView> {
      const row = await requireCredential(workspaceId, id);
      if (row.status === 'unhealthy') {
        throw new BadRequestError(
          `The credential is unhealthy, so its meetings cannot be synced: ${row.status_reason}`,
          {
            code: 'credential_unhealthy',
          },
        );
      }
      await deps.requestSync(row);
      return toCredentialView(row);
    },

    /**
     * Whether Zoom still accepts the grant the credential holds (its token renewed first only if
     * expired); throws when Zoom cannot tell right now.
     */
    async grantWorks(row: CredentialRow): Promise<boolean> {
      try {
        return await tokenAccepted((await tokenManager.accessToken(row)).token);
      } catch (error) {
        if (error instanceof CredentialUnhealthyError || error instanceof NotFoundError)
          return false;
        throw error;
      }
    },

    /** Queues a sync of a credential found by the system (periodic resync), not by a client. */
    requestSyncOf: (row: CredentialRow) => deps.requestSync(row),

    /** Removes the credential and its data; revokes the grant at Zoom first, best effort. */
    async delete(workspaceId: string, id: string): Promise<void> {
      const row = await requireCredential(workspaceId, id);
      if (row.refresh_token_sealed && row.access_token_sealed) {
        const secrets = await appService.secrets(row.oauth_app_id);
        const token = (await tokenManager.accessToken(row).catch(() => null))?.token;
        if (secrets && token) {
          await oauth.revoke(secrets, token).catch((error: unknown) => {
            deps.logger.warn({ credentialId: id, err: error }, 'revoking the grant at Zoom failed');
          });
        }
      }
      const deleted = await db.transaction(async (tx) => {
        // The event carries the credential as it was, so it is written before the row goes.
        await deps.events(tx, 'credential.deleted', id);
        return credentials.deleteInWorkspace(workspaceId, id, tx);
      });
      if (!deleted) throw new NotFoundError();
    },

    /** The Overview's picture of the fleet: counts by status and the latest to turn unhealthy. */
    async fleetHealth(workspaceId: string, unhealthyLimit: number) {
      const [counts, unhealthy] = await Promise.all([
        credentials.statusCounts(workspaceId),
        credentials.recentlyUnhealthy(workspaceId, unhealthyLimit),
      ]);
      return {
        counts,
        recentlyUnhealthy: unhealthy.map((row) => ({
          id: row.id,
          oauth_app: row.oauth_app_id,
          ...zoomIdentity(row),
          status_reason: row.status_reason,
          unhealthy_since: row.status_changed_at,
        })),
      };
    },

    /** Housekeeping for fleetHealth's counts (see compactStatusCounts); returns the rows folded. */
    compactFleetCounts: () => credentials.compactStatusCounts(),

    log,

    async listLogs(
      workspaceId: string,
      filters: { credential?: string; created_at_after?: string; created_at_before?: string },
      window: KeysetWindow,
    ): Promise<KeysetPage<CredentialLogView>> {
      const { credential, ...range } = filters;
      return credentialLogs.list(workspaceId, { ...range, subject: credential }, window);
    },
  };
};

export type CredentialService = ReturnType<typeof credentialServiceFactory>;
