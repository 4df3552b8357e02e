import { createHash, randomBytes } from 'node:crypto';
import type { Static } from 'typebox';
import type { AppService, AppView } from '../apps/service.ts';
import type { CredentialService, GrantCommit } from '../credentials/service.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { sealContext } from '../crypto/sealed-columns.ts';
import { sha256Hex } from '../crypto/secrets.ts';
import {
  BadGatewayError,
  BadRequestError,
  fieldError,
  NotFoundError,
  UpstreamUnavailableError,
  ValidationError,
} from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import {
  BINDING_LIFETIME_SECONDS,
  type BindingCookieScope,
  bindingCookie,
  bindingCookieName,
  bindingMatches,
  newBinding,
} from './browser-binding.ts';
import { type ReturnOriginRule, returnUrlRefusal } from './return-origins.ts';
import type { ConnectLinkObject, CreateConnectLinkBody } from './schemas.ts';
import { CODE_VERIFIER_COLUMN, type ConnectLinkRow, type ConnectLinkStore } from './store.ts';

export type ConnectLinkView = Static<typeof ConnectLinkObject>;

export type NewConnectLink = Static<typeof CreateConnectLinkBody>;

/**
 * Where the end user's browser goes next: a redirect, or a page when nobody can be told; with a
 * `Set-Cookie` value for the browser binding when it changes.
 */
export type ConnectOutcome = (
  | { redirect: string }
  | { page: { status: number; title: string; message: string } }
) & { cookie?: string };

export const DEFAULT_LINK_LIFETIME_SECONDS = 3600;

function withQuery(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

/** PKCE (RFC 7636) with S256, so a leaked code is useless without this process's verifier. */
function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const invalidLinkPage = {
  status: 404,
  title: 'This Connect link is not valid',
  message: 'Check that the whole link was copied, or ask the app that sent it for a new one.',
} as const;

const invalidAttemptPage = {
  status: 400,
  title: 'This sign-in attempt is not valid',
  message:
    'It was already completed, replaced by a newer attempt, or altered. Open the Connect link again.',
} as const;

export const connectServiceFactory = (deps: {
  links: ConnectLinkStore;
  appService: AppService;
  credentialService: CredentialService;
  keyring: Keyring;
  publicUrl: string;
  zoomOAuthUrl: string;
  /** HOSTPASS_CONNECT_RETURN_ORIGINS: every return_url must use one of these (null: any). */
  returnOrigins: string[] | null;
  now: () => number;
}) => {
  const { links, appService, credentialService, keyring, publicUrl } = deps;
  /** The redirect URL to register in the Zoom app for the hosted Connect flow. */
  const callbackUrl = `${publicUrl}/oauth/zoom/callback`;
  const cookieScope: BindingCookieScope = {
    path: new URL(callbackUrl).pathname,
    secure: publicUrl.startsWith('https:'),
  };
  const clearBinding = (row: ConnectLinkRow) => bindingCookie(row.id, '', 0, cookieScope);

  /** Why `returnUrl` may not be used for `app`'s links, or null. Hostpass's own pages always may. */
  function returnUrlProblem(app: AppView, returnUrl: string): string | null {
    const rules: ReturnOriginRule[] = [];
    if (deps.returnOrigins)
      rules.push({ source: 'HOSTPASS_CONNECT_RETURN_ORIGINS', origins: deps.returnOrigins });
    if (app.connect_return_origins)
      rules.push({
        source: "the app's connect_return_origins",
        origins: app.connect_return_origins,
      });
    return returnUrlRefusal(returnUrl, rules, new URL(publicUrl).origin);
  }

  const toView = (row: ConnectLinkRow, url: string | null): ConnectLinkView => ({
    id: row.id,
    oauth_app: row.oauth_app_id,
    url,
    return_url: row.return_url,
    metadata: row.metadata,
    expires_at: row.expires_at,
    used_at: row.used_at,
    credential: row.credential_id,
    created_at: row.created_at,
  });

  const isExpired = (row: ConnectLinkRow) => Date.parse(row.expires_at) <= deps.now();

  function failBack(
    row: ConnectLinkRow,
    error: string,
    description: string,
    extra: Record<string, string> = {},
  ): ConnectOutcome {
    return {
      redirect: withQuery(row.return_url, {
        error,
        error_description: description,
        connect_link_id: row.id,
        ...extra,
      }),
    };
  }

  /** Where the browser goes once the grant is committed (or was not). */
  function committedOutcome(row: ConnectLinkRow, committed: GrantCommit): ConnectOutcome {
    switch (committed.kind) {
      case 'created':
      case 'reauthorized':
        return {
          redirect: withQuery(row.return_url, {
            credential_id: committed.credential.id,
            connect_link_id: row.id,
            ...(committed.kind === 'reauthorized' && { reconnected: 'true' }),
          }),
        };
      case 'refused':
        return failBack(row, 'link_used', 'This Connect link was already used.');
      case 'superseded':
        return failBack(
          row,
          'invalid_grant',
          'Zoom replaced this authorization with a later one by the same user before it was saved; the later one is kept. Open the Connect link again if the credential is not healthy.',
        );
      // Only customer-managed input conflicts without healing; this flow always brings a code.
      case 'conflict':
        return failBack(row, 'credential_conflict', 'A credential for this Zoom user exists.', {
          existing_credential_id: committed.credential.id,
        });
    }
  }

  /**
   * Exchanges the code and commits the credential (created, or the existing one healed) together
   * with the link's consumption: two completions of one link make one credential. Any failure
   * leaves the link usable for a new attempt until it expires.
   */
  async function createCredential(row: ConnectLinkRow, code: string): Promise<ConnectOutcome> {
    const codeVerifier = row.code_verifier_sealed
      ? keyring.open(row.code_verifier_sealed, sealContext(CODE_VERIFIER_COLUMN, row.id))
      : undefined;
    try {
      const committed = await credentialService.connect(
        row.workspace_id,
        row.oauth_app_id,
        {
          code,
          redirect_uri: callbackUrl,
          ...(codeVerifier !== undefined && { code_verifier: codeVerifier }),
        },
        (tx, credentialId) => links.consume(row.id, credentialId, tx),
      );
      return committedOutcome(row, committed);
    } catch (error) {
      if (error instanceof BadRequestError) return failBack(row, 'invalid_grant', error.message);
      if (error instanceof ValidationError)
        return failBack(row, 'invalid_request', JSON.stringify(error.fields));
      // Zoom did not answer, or answered in a shape Hostpass cannot read (zoom_bad_answer).
      if (error instanceof UpstreamUnavailableError || error instanceof BadGatewayError)
        return failBack(row, 'temporarily_unavailable', error.message);
      throw error;
    }
  }

  /** The browser's callback for the link's current attempt: claimed once, then Zoom's answer. */
  async function finishAttempt(
    row: ConnectLinkRow,
    stateHash: string,
    query: { code?: string; error?: string; error_description?: string },
  ): Promise<ConnectOutcome> {
    if (!(await links.claimAttempt(row.id, stateHash))) {
      const current = await links.findByState(stateHash);
      return current?.used_at
        ? failBack(row, 'link_used', 'This Connect link was already used.')
        : failBack(
            row,
            'attempt_used',
            'This sign-in attempt was already used. Open the Connect link again to start a new one.',
          );
    }
    if (query.error)
      return failBack(row, query.error, query.error_description ?? 'Zoom did not grant access.');
    if (!query.code) return failBack(row, 'invalid_request', 'Zoom sent no authorization code.');
    return createCredential(row, query.code);
  }

  return {
    callbackUrl,

    async create(workspaceId: string, input: NewConnectLink): Promise<ConnectLinkView> {
      const app = await appService.get(workspaceId, input.oauth_app).catch((error: unknown) => {
        if (error instanceof NotFoundError)
          throw fieldError('oauth_app', `Invalid pk "${input.oauth_app}" - object does not exist.`);
        throw error;
      });
      const refusal = returnUrlProblem(app, input.return_url);
      if (refusal) throw fieldError('return_url', refusal);
      const token = randomBytes(32).toString('base64url');
      const lifetime = input.expires_in_seconds ?? DEFAULT_LINK_LIFETIME_SECONDS;
      const row = await links.insert({
        id: uuidv7(),
        workspaceId,
        appId: input.oauth_app,
        linkTokenHash: sha256Hex(token),
        returnUrl: input.return_url,
        metadata: input.metadata ?? {},
        expiresAt: new Date(deps.now() + lifetime * 1000).toISOString(),
      });
      return toView(row, `${publicUrl}/oauth/zoom/connect/${token}`);
    },

    async get(workspaceId: string, id: string): Promise<ConnectLinkView> {
      const row = await links.findInWorkspace(workspaceId, id);
      if (!row) throw new NotFoundError();
      return toView(row, null);
    },

    /**
     * The end user opened the link: send them to Zoom with a fresh single-use state and PKCE, and
     * bind this attempt to their browser with a cookie the callback checks.
     */
    async start(linkToken: string): Promise<ConnectOutcome> {
      const row = await links.findByLinkToken(sha256Hex(linkToken));
      if (!row) return { page: invalidLinkPage };
      if (row.used_at) return failBack(row, 'link_used', 'This Connect link was already used.');
      if (isExpired(row)) return failBack(row, 'link_expired', 'This Connect link has expired.');
      const app = await appService.get(row.workspace_id, row.oauth_app_id).catch(() => null);
      const secrets = app && (await appService.secrets(app.id));
      if (!app || !secrets) return { page: invalidLinkPage };
      // The allowed origins may have narrowed since the link was made: never send anyone there.
      const refusal = returnUrlProblem(app, row.return_url);
      if (refusal)
        return {
          page: {
            status: 400,
            title: 'This Connect link can no longer be used',
            message: `${refusal} Ask the app that sent it for a new link.`,
          },
        };
      const state = randomBytes(32).toString('base64url');
      const pkce = pkcePair();
      const binding = newBinding();
      await links.startAttempt(row.id, {
        stateHash: sha256Hex(state),
        codeVerifierSealed: keyring.seal(pkce.verifier, sealContext(CODE_VERIFIER_COLUMN, row.id)),
        browserBindingHash: binding.hash,
      });
      return {
        cookie: bindingCookie(row.id, binding.value, BINDING_LIFETIME_SECONDS, cookieScope),
        redirect: withQuery(`${deps.zoomOAuthUrl}/oauth/authorize`, {
          response_type: 'code',
          client_id: secrets.clientId,
          redirect_uri: callbackUrl,
          state,
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        }),
      };
    },

    /**
     * Zoom sent the user back: check the browser, claim the attempt's state once, exchange the
     * code, return to the customer. `cookie` reads the request's cookies.
     */
    async complete(
      query: { code?: string; state?: string; error?: string; error_description?: string },
      cookie: (name: string) => string | undefined,
    ): Promise<ConnectOutcome> {
      const stateHash = query.state ? sha256Hex(query.state) : undefined;
      const row = stateHash ? await links.findByState(stateHash) : undefined;
      if (!stateHash || !row) return { page: invalidAttemptPage };
      // Checked before the browser: a replay after success (the cookie is gone by then) says so.
      if (row.used_at)
        return {
          ...failBack(row, 'link_used', 'This Connect link was already used.'),
          cookie: clearBinding(row),
        };
      if (isExpired(row)) return failBack(row, 'link_expired', 'This Connect link has expired.');
      // Nothing is claimed for a foreign browser: the one that started the attempt can still finish it.
      if (!bindingMatches(cookie(bindingCookieName(row.id)), row.browser_binding_hash)) {
        return failBack(
          row,
          'browser_mismatch',
          'This sign-in was started in another browser (or its cookie expired or was blocked). Open the Connect link again in this browser.',
        );
      }
      // The attempt ends here whatever happens; its cookie goes with it.
      return { ...(await finishAttempt(row, stateHash, query)), cookie: clearBinding(row) };
    },
  };
};

export type ConnectService = ReturnType<typeof connectServiceFactory>;
