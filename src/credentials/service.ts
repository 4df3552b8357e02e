import type { Logger } from 'pino';
import type { AppSecrets, AppService, AppView } from '../apps/service.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { sealContext } from '../crypto/sealed-columns.ts';
import { type Database, isUniqueViolation, type Queryable } from '../db/database.ts';
import type { KeysetPage, KeysetWindow } from '../db/keyset.ts';
import {
  BadRequestError,
  fieldError,
  NotFoundError,
  UpstreamUnavailableError,
  ValidationError,
} from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import type { LogLevel, LogRow, LogStore } from '../logs/store.ts';
import { type ZoomApiClient, ZoomApiError, type ZoomUser } from '../zoom/api.ts';
import { ZoomUnreachableError } from '../zoom/http.ts';
import { type ZoomOAuthClient, ZoomOAuthError, type ZoomTokenSet } from '../zoom/oauth.ts';
import { missingScopes } from '../zoom/scopes.ts';
import { CallbackFetchError, type CallbackTokenFetcher, jwtExpiry } from './callback-fetcher.ts';
import {
  ACCOUNT_UNIQUE_INDEX,
  CALLBACK_URL_COLUMN,
  type CredentialFilters,
  type CredentialRow,
  type CredentialStore,
  type MeetingSyncStatus,
  type NewCredentialRow,
  USER_UNIQUE_INDEX,
} from './store.ts';
import { CALLBACK_TOKEN_MIN_SECONDS, type TokenManager, tokenTimes } from './token-manager.ts';
import { refreshDueAtMs } from './token-timing.ts';

export interface CredentialView {
  id: string;
  oauth_app: string;
  status: 'healthy' | 'unhealthy';
  status_reason: string | null;
  user_id: string | null;
  account_id: string | null;
  access_token_callback_url: string | null;
  scopes: string[];
  meeting_sync_status: MeetingSyncStatus;
  created_at: string;
}

export interface CredentialLogView {
  id: string;
  credential: string;
  level: LogLevel;
  message: string;
  created_at: string;
}

export interface NewCredential {
  oauth_app: string;
  authorization_code?: { code: string; redirect_uri: string; code_verifier?: string };
  access_token_callback_url?: string;
}

export interface CredentialServiceDeps {
  db: Database;
  credentials: CredentialStore;
  credentialLogs: LogStore;
  appService: AppService;
  tokenManager: TokenManager;
  oauth: ZoomOAuthClient;
  api: ZoomApiClient;
  callbackFetcher: CallbackTokenFetcher;
  keyring: Keyring;
  /** Called in the creating transaction: queues the first background refresh and the initial sync. */
  onCreated: (
    tx: Queryable,
    credential: CredentialRow,
    firstRefreshInSeconds: number | null,
  ) => Promise<void>;
  /** Queues a meeting resync of a credential. */
  requestSync: (credential: CredentialRow) => Promise<void>;
  now: () => number;
  logger: Logger;
}

/** A Zoom identity proven by a working token: who authorized, in which account. */
interface ConnectedGrant {
  user: ZoomUser;
  scopes: string[];
  tokens: { accessToken: string; refreshToken: string | null; lifetimeSeconds: number };
  callbackUrl: string | null;
}

export function toCredentialView(row: CredentialRow): CredentialView {
  return {
    id: row.id,
    oauth_app: row.oauth_app_id,
    status: row.status,
    status_reason: row.status_reason,
    user_id: row.app_kind === 'user_level' ? row.zoom_user_id : null,
    account_id: row.app_kind === 'account_level' ? row.zoom_account_id : null,
    access_token_callback_url: row.access_token_callback_url_display,
    scopes: row.scopes,
    meeting_sync_status: row.meeting_sync_status,
    created_at: row.created_at,
  };
}

/** The callback URL as the API shows it: it usually carries a secret in its query or userinfo. */
export function maskCallbackUrl(raw: string): string {
  // Secrets hide in paths (`/token/sk_live_…`), userinfo and query strings alike: show the origin only.
  const url = new URL(raw);
  const hasMore = url.pathname !== '/' || url.search !== '' || url.username !== '';
  return `${url.origin}${hasMore ? '/****' : '/'}`;
}

/** The exact conflict bodies of the hosted API (seed 002), so existing clients' handling works. */
function conflictError(kind: AppView['kind'], grant: ConnectedGrant): BadRequestError {
  if (kind === 'account_level') {
    const id = grant.user.account_id;
    return new BadRequestError(
      `A Zoom OAuth Credential already exists for this OAuth App and Zoom account(account_id: ${id}). A Zoom OAuth App can have at most one Zoom OAuth Credential registered per authorized Zoom account. Please delete the existing Zoom OAuth Credential for Zoom account(account_id: ${id}) and try again.`,
      { conflicting_zoom_account_id: id },
    );
  }
  const id = grant.user.id;
  return new BadRequestError(
    `A Zoom OAuth Credential already exists for this OAuth App and Zoom account(user_id: ${id}). A Zoom OAuth App can have at most one Zoom OAuth Credential registered per authorized Zoom user. Please delete the existing Zoom OAuth Credential for Zoom user(user_id: ${id}) and try again.`,
    { conflicting_zoom_user_id: id },
  );
}

function exchangeFailureDetail(error: ZoomOAuthError, appId: string): string {
  switch (error.kind) {
    case 'redirect_mismatch':
      return "Invalid Grant: check that redirect_uri matches the Zoom app's redirect URL exactly, trailing slash included.";
    case 'invalid_code':
      return 'Invalid Grant: the authorization code is invalid, expired (codes live 5 minutes) or already used. Send the user through Zoom authorization again and use the new code once.';
    case 'invalid_code_verifier':
      return 'Invalid Grant: code_verifier does not match the code_challenge sent to Zoom (PKCE).';
    case 'client_rejected':
      return `Zoom rejected the OAuth app's client_id or client_secret (invalid_client). Check the client secret of OAuth app ${appId} (PATCH /api/v2/zoom-oauth-apps/${appId}/).`;
    default:
      return `Invalid Grant: Zoom refused the authorization code (${error.zoomReason}).`;
  }
}

export const credentialServiceFactory = (deps: CredentialServiceDeps) => {
  const { db, credentials, credentialLogs, appService, tokenManager, oauth, api, now } = deps;

  const log = (q: Queryable, row: CredentialRow, level: LogLevel, message: string) =>
    credentialLogs.insert({ workspaceId: row.workspace_id, subjectId: row.id, level, message }, q);

  async function requireCredential(workspaceId: string, id: string): Promise<CredentialRow> {
    const row = await credentials.find(workspaceId, id);
    if (!row) throw new NotFoundError();
    return row;
  }

  async function identify(accessToken: string): Promise<ZoomUser> {
    try {
      return await api.getMe(accessToken);
    } catch (error) {
      if (error instanceof ZoomApiError && !error.transient) {
        throw new BadRequestError(
          `Zoom refused the new token when reading the user (/users/me): ${error.zoomMessage}`,
        );
      }
      throw new UpstreamUnavailableError('Zoom did not answer /users/me; try again.');
    }
  }

  async function connectWithCode(
    workspaceId: string,
    app: AppView,
    secrets: AppSecrets,
    input: NonNullable<NewCredential['authorization_code']>,
  ): Promise<ConnectedGrant> {
    let tokens: ZoomTokenSet;
    try {
      tokens = await oauth.exchangeCode(secrets, {
        code: input.code,
        redirectUri: input.redirect_uri,
        ...(input.code_verifier !== undefined && { codeVerifier: input.code_verifier }),
      });
    } catch (error) {
      if (error instanceof ZoomOAuthError && error.kind !== 'transient') {
        const detail = exchangeFailureDetail(error, app.id);
        await appService.log({
          workspaceId,
          appId: app.id,
          level: 'error',
          message: `Creating a credential failed: ${detail}`,
        });
        throw new BadRequestError(detail);
      }
      if (error instanceof ZoomOAuthError || error instanceof ZoomUnreachableError) {
        throw new UpstreamUnavailableError(
          `Zoom did not complete the code exchange (${error.message}); try again.`,
        );
      }
      throw error;
    }
    const missing = missingScopes(app.kind, tokens.scopes);
    if (missing.length > 0) {
      const detail = `The authorization lacks scopes Hostpass needs: ${missing.join(', ')}. Add them to the Zoom app (Scopes), then send the user through Zoom authorization again.`;
      await appService.log({
        workspaceId,
        appId: app.id,
        level: 'error',
        message: `Creating a credential failed: ${detail}`,
      });
      // Nothing will use this grant: give it back rather than leave a live token behind.
      await oauth.revoke(secrets, tokens.accessToken).catch(() => {});
      throw new BadRequestError(detail);
    }
    const user = await identify(tokens.accessToken);
    return {
      user,
      scopes: tokens.scopes,
      tokens: {
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        lifetimeSeconds: tokens.expiresIn,
      },
      callbackUrl: null,
    };
  }

  async function connectWithCallback(callbackUrl: string): Promise<ConnectedGrant> {
    let token: string;
    try {
      token = await deps.callbackFetcher.fetchToken(callbackUrl);
    } catch (error) {
      if (error instanceof CallbackFetchError)
        throw fieldError('access_token_callback_url', `The URL ${error.message}`);
      throw error;
    }
    const expiry = jwtExpiry(token);
    const remaining = expiry === null ? null : Math.floor(expiry - now() / 1000);
    if (remaining !== null && remaining < CALLBACK_TOKEN_MIN_SECONDS) {
      throw fieldError(
        'access_token_callback_url',
        `The token it returned expires in ${remaining} s; it must stay valid for at least ${CALLBACK_TOKEN_MIN_SECONDS} s more.`,
      );
    }
    const user = await identify(token);
    return {
      user,
      scopes: [],
      tokens: {
        accessToken: token,
        refreshToken: null,
        lifetimeSeconds: remaining ?? CALLBACK_TOKEN_MIN_SECONDS,
      },
      callbackUrl,
    };
  }

  /** Re-authorizing a Zoom user kills the grant Hostpass already holds for them: say so on it. */
  async function markReplaced(existing: CredentialRow): Promise<void> {
    if (existing.status === 'unhealthy' || existing.access_token_callback_url_sealed) return;
    const reason =
      'The Zoom user authorized the app again, which revoked the grant this credential holds. Delete this credential and create it again with the new authorization.';
    await credentials.setStatus(db, existing.id, 'unhealthy', reason);
    await log(db, existing, 'error', `Marked unhealthy: ${reason}`);
  }

  async function insertCredential(
    workspaceId: string,
    app: AppView,
    grant: ConnectedGrant,
  ): Promise<CredentialRow> {
    const id = uuidv7();
    const stored = tokenManager.sealTokens(
      id,
      grant.tokens.accessToken,
      grant.tokens.lifetimeSeconds,
      grant.tokens.refreshToken,
    );
    const row: NewCredentialRow = {
      id,
      workspaceId,
      appId: app.id,
      appKind: app.kind,
      zoomUserId: grant.user.id,
      zoomAccountId: grant.user.account_id,
      scopes: grant.scopes,
      callbackUrlSealed:
        grant.callbackUrl === null
          ? null
          : deps.keyring.seal(grant.callbackUrl, sealContext(CALLBACK_URL_COLUMN, id)),
      callbackUrlDisplay: grant.callbackUrl === null ? null : maskCallbackUrl(grant.callbackUrl),
      accessTokenSealed: stored.accessTokenSealed,
      accessTokenExpiresAt: stored.accessTokenExpiresAt,
      accessTokenLifetimeSeconds: stored.accessTokenLifetimeSeconds,
      refreshTokenSealed: stored.refreshTokenSealed,
    };
    try {
      return await db.transaction(async (tx) => {
        const created = await credentials.insert(tx, row);
        const times = tokenTimes(created);
        const firstRefresh =
          grant.tokens.refreshToken !== null && times
            ? (refreshDueAtMs(times) - now()) / 1000
            : null;
        await deps.onCreated(tx, created, firstRefresh);
        const who =
          app.kind === 'user_level'
            ? `Zoom user ${grant.user.id}`
            : `Zoom account ${grant.user.account_id}`;
        await log(
          tx,
          created,
          'info',
          `Connected ${who}${grant.callbackUrl ? ' (customer-managed OAuth)' : ''}.`,
        );
        // As committed: the initial sync is already queued (meeting_sync_status in_progress).
        return (await credentials.findById(created.id, tx)) ?? created;
      });
    } catch (error) {
      if (
        !isUniqueViolation(error, USER_UNIQUE_INDEX) &&
        !isUniqueViolation(error, ACCOUNT_UNIQUE_INDEX)
      )
        throw error;
      const zoomId = app.kind === 'user_level' ? grant.user.id : grant.user.account_id;
      const existing = await credentials.findConflicting(db, app.id, app.kind, zoomId);
      if (existing && grant.callbackUrl === null) await markReplaced(existing);
      throw conflictError(app.kind, grant);
    }
  }

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
      const app = await appService.get(workspaceId, input.oauth_app).catch((error: unknown) => {
        if (error instanceof NotFoundError)
          throw fieldError('oauth_app', `Invalid pk "${input.oauth_app}" - object does not exist.`);
        throw error;
      });
      const secrets = await appService.secrets(app.id);
      if (!secrets)
        throw fieldError('oauth_app', `Invalid pk "${input.oauth_app}" - object does not exist.`);
      const grant = input.authorization_code
        ? await connectWithCode(workspaceId, app, secrets, input.authorization_code)
        : await connectWithCallback(input.access_token_callback_url as string);
      return toCredentialView(await insertCredential(workspaceId, app, grant));
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
        const reason =
          error instanceof Error
            ? error.message.replace(/^The credential is unhealthy: /, '')
            : String(error);
        if (
          error instanceof UpstreamUnavailableError ||
          (error instanceof ZoomApiError && error.transient)
        )
          throw error;
        // A refresh failure may already have marked it unhealthy (with the better reason): keep that.
        const current = (await credentials.findById(row.id)) as CredentialRow;
        if (current.status !== 'healthy') return toCredentialView(current);
        const marked = await credentials.setStatus(db, row.id, 'unhealthy', reason);
        await log(db, row, 'error', `Validation failed: ${reason}`);
        return toCredentialView(marked ?? current);
      }
      if (row.status === 'unhealthy') {
        // Not if its status changed while Zoom was being asked (app_deauthorized): that one stands.
        const restored = await credentials.restoreHealthy(db, row.id, row.status_version);
        if (restored) {
          await log(
            db,
            row,
            'info',
            'Validated: the grant works again; the credential is healthy.',
          );
          // Syncing stopped while it was unhealthy: catch up now.
          await deps.requestSync(restored);
        }
      }
      return toCredentialView((await credentials.findById(row.id)) as CredentialRow);
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
            deps.logger.warn(
              { credentialId: id, err: String(error) },
              'revoking the grant at Zoom failed',
            );
          });
        }
      }
      if (!(await credentials.delete(workspaceId, id))) throw new NotFoundError();
    },

    log,

    async listLogs(
      workspaceId: string,
      filters: { credential?: string; created_at_after?: string; created_at_before?: string },
      window: KeysetWindow,
    ): Promise<KeysetPage<CredentialLogView>> {
      const { credential, ...range } = filters;
      const page = await credentialLogs.list(
        workspaceId,
        { ...range, subject: credential },
        window,
      );
      return { ...page, rows: page.rows.map(toLogView) };
    },
  };
};

function toLogView(row: LogRow): CredentialLogView {
  return {
    id: row.id,
    credential: row.subject_id,
    level: row.level,
    message: row.message,
    created_at: row.created_at,
  };
}

export type CredentialService = ReturnType<typeof credentialServiceFactory>;
