import { createHash, randomBytes } from 'node:crypto';
import type { AppService } from '../apps/service.ts';
import type { CredentialService } from '../credentials/service.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { sealContext } from '../crypto/sealed-columns.ts';
import { sha256Hex } from '../crypto/secrets.ts';
import {
  BadRequestError,
  fieldError,
  NotFoundError,
  UpstreamUnavailableError,
  ValidationError,
} from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import { CODE_VERIFIER_COLUMN, type ConnectLinkRow, type ConnectLinkStore } from './store.ts';

export interface ConnectLinkView {
  id: string;
  oauth_app: string;
  url: string | null;
  return_url: string;
  metadata: Record<string, unknown>;
  expires_at: string;
  used_at: string | null;
  credential: string | null;
  created_at: string;
}

export interface NewConnectLink {
  oauth_app: string;
  return_url: string;
  metadata?: Record<string, unknown>;
  expires_in_seconds?: number;
}

/** Where the end user's browser goes next: a redirect, or a page when nobody can be told. */
export type ConnectOutcome =
  | { redirect: string }
  | { page: { status: number; title: string; message: string } };

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

export const connectServiceFactory = (deps: {
  links: ConnectLinkStore;
  appService: AppService;
  credentialService: CredentialService;
  keyring: Keyring;
  publicUrl: string;
  zoomOAuthUrl: string;
  now: () => number;
}) => {
  const { links, appService, credentialService, keyring, publicUrl } = deps;
  /** The redirect URL to register in the Zoom app for the hosted Connect flow. */
  const callbackUrl = `${publicUrl}/oauth/zoom/callback`;

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

  async function createCredential(row: ConnectLinkRow, code: string): Promise<ConnectOutcome> {
    const codeVerifier = row.code_verifier_sealed
      ? keyring.open(row.code_verifier_sealed, sealContext(CODE_VERIFIER_COLUMN, row.id))
      : undefined;
    try {
      const credential = await credentialService.create(row.workspace_id, {
        oauth_app: row.oauth_app_id,
        authorization_code: {
          code,
          redirect_uri: callbackUrl,
          ...(codeVerifier !== undefined && { code_verifier: codeVerifier }),
        },
      });
      await links.recordCredential(row.id, credential.id);
      return {
        redirect: withQuery(row.return_url, {
          credential_id: credential.id,
          connect_link_id: row.id,
        }),
      };
    } catch (error) {
      if (error instanceof BadRequestError) {
        const conflict = Object.fromEntries(
          Object.entries(error.extra)
            .filter(([key]) => key.startsWith('conflicting_'))
            .map(([key, value]) => [key, String(value)]),
        );
        return failBack(
          row,
          Object.keys(conflict).length > 0 ? 'credential_conflict' : 'invalid_grant',
          error.message,
          conflict,
        );
      }
      if (error instanceof ValidationError)
        return failBack(row, 'invalid_request', JSON.stringify(error.fields));
      if (error instanceof UpstreamUnavailableError)
        return failBack(row, 'temporarily_unavailable', error.message);
      throw error;
    }
  }

  return {
    callbackUrl,

    async create(workspaceId: string, input: NewConnectLink): Promise<ConnectLinkView> {
      await appService.get(workspaceId, input.oauth_app).catch((error: unknown) => {
        if (error instanceof NotFoundError)
          throw fieldError('oauth_app', `Invalid pk "${input.oauth_app}" - object does not exist.`);
        throw error;
      });
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
      const row = await links.find(workspaceId, id);
      if (!row) throw new NotFoundError();
      return toView(row, null);
    },

    /** The end user opened the link: send them to Zoom with a fresh single-use state and PKCE. */
    async start(linkToken: string): Promise<ConnectOutcome> {
      const row = await links.findByLinkToken(sha256Hex(linkToken));
      if (!row) return { page: invalidLinkPage };
      if (row.used_at) return failBack(row, 'link_used', 'This Connect link was already used.');
      if (isExpired(row)) return failBack(row, 'link_expired', 'This Connect link has expired.');
      const secrets = await appService.secrets(row.oauth_app_id);
      if (!secrets) return { page: invalidLinkPage };
      const state = randomBytes(32).toString('base64url');
      const pkce = pkcePair();
      await links.startAttempt(
        row.id,
        sha256Hex(state),
        keyring.seal(pkce.verifier, sealContext(CODE_VERIFIER_COLUMN, row.id)),
      );
      return {
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

    /** Zoom sent the user back: claim the state once, exchange the code, return to the customer. */
    async complete(query: {
      code?: string;
      state?: string;
      error?: string;
      error_description?: string;
    }): Promise<ConnectOutcome> {
      const row = query.state ? await links.findByState(sha256Hex(query.state)) : undefined;
      if (!row) {
        return {
          page: {
            status: 400,
            title: 'This sign-in attempt is not valid',
            message:
              'It was already completed, replaced by a newer attempt, or altered. Open the Connect link again.',
          },
        };
      }
      if (row.used_at) return failBack(row, 'link_used', 'This Connect link was already used.');
      if (!(await links.claim(row.id)))
        return failBack(row, 'link_expired', 'This Connect link has expired.');
      if (query.error)
        return failBack(row, query.error, query.error_description ?? 'Zoom did not grant access.');
      if (!query.code) return failBack(row, 'invalid_request', 'Zoom sent no authorization code.');
      return createCredential(row, query.code);
    },
  };
};

export type ConnectService = ReturnType<typeof connectServiceFactory>;
