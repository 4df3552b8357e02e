import type { Static } from 'typebox';
import type { AppSecrets, AppService, AppView } from '../apps/service.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { sealContext } from '../crypto/sealed-columns.ts';
import { type Database, isUniqueViolation, type Queryable } from '../db/database.ts';
import { BadRequestError, fieldError, NotFoundError, UpstreamUnavailableError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import type { LogLevel } from '../logs/service.ts';
import type { ZoomGrantHolder } from '../zoom/answers.ts';
import { type ZoomApiClient, ZoomApiError, ZoomBadAnswerError } from '../zoom/api.ts';
import { ZoomUnreachableError } from '../zoom/http.ts';
import { type ZoomOAuthClient, ZoomOAuthError, type ZoomTokenSet } from '../zoom/oauth.ts';
import { missingScopes } from '../zoom/scopes.ts';
import { zoomUserProfile } from '../zoom/user-profile.ts';
import { CallbackFetchError, type CallbackTokenFetcher, jwtExpiry } from './callback-fetcher.ts';
import type { CreateCredentialBody } from './schemas.ts';
import {
  ACCOUNT_UNIQUE_INDEX,
  CALLBACK_URL_COLUMN,
  type CredentialRow,
  type CredentialStore,
  type NewCredentialRow,
  USER_UNIQUE_INDEX,
} from './store.ts';
import { CALLBACK_TOKEN_MIN_SECONDS, type TokenManager } from './token-manager.ts';
import { type CredentialView, toCredentialView } from './view.ts';

/*
 * Connecting a Zoom grant: the code exchange (managed OAuth) or the callback's token
 * (customer-managed), proving whose grant it is, and committing it as a new credential or as the
 * existing credential's re-authorization. The credential service composes these into `create`
 * and `connect`.
 */

/** What a connect needs; the credential service passes its own dependencies on. */
export interface ConnectDeps {
  db: Database;
  credentials: CredentialStore;
  appService: AppService;
  tokenManager: TokenManager;
  oauth: ZoomOAuthClient;
  api: ZoomApiClient;
  callbackFetcher: CallbackTokenFetcher;
  keyring: Keyring;
  /** Called in the creating transaction: queues the first background refresh and the initial sync. */
  onCreated: (tx: Queryable, credential: CredentialRow) => Promise<void>;
  /**
   * Called in the transaction where a credential adopts a re-authorized grant: a full meeting
   * resync from scratch (a deauthorization may have deleted its meeting data).
   */
  onReauthorized: (tx: Queryable, credential: CredentialRow) => Promise<void>;
  now: () => number;
  /** Writes a line to the credential's log, in `q`'s transaction. */
  log: (q: Queryable, row: CredentialRow, level: LogLevel, message: string) => Promise<unknown>;
}

export type NewCredential = Static<typeof CreateCredentialBody>;

/** What committing a new grant did; see `connect`. */
export type GrantCommit =
  | { kind: 'created'; credential: CredentialView }
  /** The Zoom user (account) already had a credential for the app: it adopted the new grant. */
  | { kind: 'reauthorized'; credential: CredentialView }
  /** A credential exists and did not change (customer-managed input). */
  | { kind: 'conflict'; credential: CredentialView }
  /** Zoom had already replaced the new grant by a later authorization of the same user. */
  | { kind: 'superseded'; credential: CredentialView }
  /** `onCommit` refused the creation: nothing was created and the grant was given back to Zoom. */
  | { kind: 'refused' };

/** Lets a caller tie its own write to the credential's (a Connect link consumed with it). */
export type CommitHook = (
  tx: Queryable,
  credentialId: string,
  kind: 'created' | 'reauthorized',
) => Promise<boolean>;

/** A Zoom identity proven by a working token: who authorized, in which account. */
interface ConnectedGrant {
  user: ZoomGrantHolder;
  scopes: string[];
  tokens: { accessToken: string; refreshToken: string | null; lifetimeSeconds: number };
  callbackUrl: string | null;
  /** When Zoom issued the tokens (as near as Hostpass can tell). */
  receivedAtMs: number;
}

/** The callback URL as the API shows it: it usually carries a secret in its query or userinfo. */
export function maskCallbackUrl(raw: string): string {
  // Secrets hide in paths (`/token/sk_live_…`), userinfo and query strings alike: show the origin only.
  const url = new URL(raw);
  const hasMore = url.pathname !== '/' || url.search !== '' || url.username !== '';
  return `${url.origin}${hasMore ? '/****' : '/'}`;
}

/**
 * The exact conflict bodies of the hosted API (seed 002), so existing clients' handling works,
 * plus which credential it is and whether it adopted the new grant (then nothing needs deleting).
 */
export function conflictError(
  kind: AppView['kind'],
  grant: ConnectedGrant,
  existingId: string,
  reauthorized: boolean,
): BadRequestError {
  const added = { existing_credential_id: existingId, reauthorized };
  if (kind === 'account_level') {
    const id = grant.user.account_id;
    return new BadRequestError(
      `A Zoom OAuth Credential already exists for this OAuth App and Zoom account(account_id: ${id}). A Zoom OAuth App can have at most one Zoom OAuth Credential registered per authorized Zoom account. Please delete the existing Zoom OAuth Credential for Zoom account(account_id: ${id}) and try again.`,
      { conflicting_zoom_account_id: id, ...added },
    );
  }
  const id = grant.user.id;
  return new BadRequestError(
    `A Zoom OAuth Credential already exists for this OAuth App and Zoom account(user_id: ${id}). A Zoom OAuth App can have at most one Zoom OAuth Credential registered per authorized Zoom user. Please delete the existing Zoom OAuth Credential for Zoom user(user_id: ${id}) and try again.`,
    { conflicting_zoom_user_id: id, ...added },
  );
}

/** Who holds a grant, as log lines name them. */
function grantHolder(kind: AppView['kind'], user: ZoomGrantHolder): string {
  return kind === 'user_level' ? `Zoom user ${user.id}` : `Zoom account ${user.account_id}`;
}

/** `onCommit` said no: the creating transaction rolls back. */
class CommitRefused extends Error {}

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

export const connectFlowFactory = (deps: ConnectDeps) => {
  const { db, credentials, appService, tokenManager, oauth, api, now, log } = deps;

  async function identify(accessToken: string): Promise<ZoomGrantHolder> {
    try {
      return await api.getMe(accessToken);
    } catch (error) {
      if (error instanceof ZoomBadAnswerError) throw error;
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
      receivedAtMs: now(),
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
      receivedAtMs: now(),
    };
  }

  /** Null when a credential for this Zoom user (account) and app exists already. */
  async function insertCredential(
    workspaceId: string,
    app: AppView,
    grant: ConnectedGrant,
    onCommit: CommitHook | undefined,
  ): Promise<CredentialRow | null> {
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
      zoomUser: zoomUserProfile(grant.user),
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
        const created = await credentials.insert(row, tx);
        await deps.onCreated(tx, created);
        await log(
          tx,
          created,
          'info',
          `Connected ${grantHolder(app.kind, grant.user)}${grant.callbackUrl ? ' (customer-managed OAuth)' : ''}.`,
        );
        if (onCommit && !(await onCommit(tx, created.id, 'created'))) throw new CommitRefused();
        // As committed: the initial sync is already queued (meeting_sync_status in_progress).
        return (await credentials.findById(created.id, tx)) ?? created;
      });
    } catch (error) {
      if (
        isUniqueViolation(error, USER_UNIQUE_INDEX) ||
        isUniqueViolation(error, ACCOUNT_UNIQUE_INDEX)
      )
        return null;
      throw error;
    }
  }

  /** Whether Zoom accepts the token: false on its "invalid token" answer; other failures throw. */
  async function tokenAccepted(accessToken: string): Promise<boolean> {
    try {
      await api.getMe(accessToken);
      return true;
    } catch (error) {
      if (error instanceof ZoomApiError && error.tokenRejected) return false;
      throw error;
    }
  }

  /**
   * Whether Zoom still holds a grant just given (no later authorization replaced it). It worked
   * moments ago (identify): only Zoom refusing its unexpired token says otherwise.
   */
  async function grantStillCurrent(grant: ConnectedGrant): Promise<boolean> {
    const expiresAtMs = grant.receivedAtMs + grant.tokens.lifetimeSeconds * 1000;
    if (now() > expiresAtMs - 5000) return true;
    return tokenAccepted(grant.tokens.accessToken).catch(() => true);
  }

  /** Re-authorization: the existing credential takes over the new grant (see adoptGrant). */
  async function adopt(
    existing: CredentialRow,
    grant: ConnectedGrant,
    onCommit: CommitHook | undefined,
  ): Promise<GrantCommit | null> {
    // The grant's user is the credential's (user-level), or maybe another admin of the account
    // (account-level): only the credential's own user's names are taken.
    const profile = zoomUserProfile(grant.user);
    const sameUser = grant.user.id === existing.zoom_user_id;
    const outcome = await tokenManager.adoptGrant(
      existing.id,
      {
        accessToken: grant.tokens.accessToken,
        refreshToken: grant.tokens.refreshToken as string,
        lifetimeSeconds: grant.tokens.lifetimeSeconds,
        scopes: grant.scopes,
      },
      {
        isLive: () => grantStillCurrent(grant),
        onAdopted: async (tx, row) => {
          await log(
            tx,
            row,
            'info',
            `Re-authorized by ${grantHolder(row.app_kind, grant.user)}: the credential adopted the new grant (scopes: ${grant.scopes.join(' ')}) and is healthy; its meetings are being synced again.` +
              (existing.access_token_callback_url_sealed
                ? ' Hostpass manages its tokens from now on (access_token_callback_url is no longer used).'
                : ''),
          );
          if (sameUser) await credentials.updateZoomUser(row.id, profile, tx);
          await deps.onReauthorized(tx, row);
          // A heal never creates a credential: whatever the hook says, it stands.
          await onCommit?.(tx, row.id, 'reauthorized');
        },
      },
    );
    if (outcome.kind === 'gone') return null;
    if (outcome.kind === 'adopted') {
      const row = sameUser
        ? {
            ...outcome.row,
            zoom_user_email: profile.email ?? outcome.row.zoom_user_email,
            zoom_user_display_name: profile.displayName ?? outcome.row.zoom_user_display_name,
          }
        : outcome.row;
      return { kind: 'reauthorized', credential: toCredentialView(row) };
    }
    await log(
      db,
      outcome.row,
      'warning',
      `${grantHolder(outcome.row.app_kind, grant.user)} authorized the app again, but Zoom had already replaced that authorization by a later one, so it was not adopted.`,
    );
    return { kind: 'superseded', credential: toCredentialView(outcome.row) };
  }

  /**
   * Stores a grant the Zoom user (account) just gave: a new credential, or — when one exists for
   * them and this app — the existing credential adopts it (Zoom has just ended the grant it held).
   * `onCommit` runs in the committing transaction.
   */
  async function commitGrant(
    workspaceId: string,
    app: AppView,
    secrets: AppSecrets,
    grant: ConnectedGrant,
    onCommit?: CommitHook,
  ): Promise<GrantCommit> {
    const zoomId = app.kind === 'user_level' ? grant.user.id : grant.user.account_id;
    // The existing credential may be deleted between the conflict and its adoption: insert again.
    for (let tries = 0; tries < 2; tries += 1) {
      let created: CredentialRow | null;
      try {
        created = await insertCredential(workspaceId, app, grant, onCommit);
      } catch (error) {
        if (!(error instanceof CommitRefused)) throw error;
        // Nobody will hold this grant: give it back rather than leave a live token behind.
        await oauth.revoke(secrets, grant.tokens.accessToken).catch(() => {});
        return { kind: 'refused' };
      }
      if (created) return { kind: 'created', credential: toCredentialView(created) };
      const existing = await credentials.findConflicting(app.id, app.kind, zoomId);
      if (!existing) continue;
      // Customer-managed input authorizes nothing at Zoom: the existing credential is untouched.
      if (grant.tokens.refreshToken === null)
        return { kind: 'conflict', credential: toCredentialView(existing) };
      const adopted = await adopt(existing, grant, onCommit);
      if (adopted) return adopted;
    }
    throw new UpstreamUnavailableError('The credential changed meanwhile; try again.');
  }

  /** The app and its secrets for a new credential; an unknown app is a field error. */
  async function appForCredential(workspaceId: string, appId: string) {
    const app = await appService.get(workspaceId, appId).catch((error: unknown) => {
      if (error instanceof NotFoundError)
        throw fieldError('oauth_app', `Invalid pk "${appId}" - object does not exist.`);
      throw error;
    });
    const secrets = await appService.secrets(app.id);
    if (!secrets) throw fieldError('oauth_app', `Invalid pk "${appId}" - object does not exist.`);
    return { app, secrets };
  }

  // tokenAccepted too: the service's grantWorks asks Zoom the same question of a stored grant.
  return { connectWithCode, connectWithCallback, commitGrant, appForCredential, tokenAccepted };
};
