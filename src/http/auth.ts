import type { FastifyRequest } from 'fastify';
import type { ApiKeyService, AuthContext } from '../api-keys/service.ts';
import { secretsEqual } from '../crypto/secrets.ts';
import { AuthenticationError, NotFoundError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API-key hook on every `/api/` route except Zoom's webhook. */
    auth: AuthContext;
  }
}

/** An onRequest hook: authenticates the API key and records which workspace the request is for. */
export function apiKeyAuthentication(apiKeys: ApiKeyService) {
  return async (request: FastifyRequest): Promise<void> => {
    request.auth = await apiKeys.authenticate(request.headers.authorization);
  };
}

/**
 * Operator endpoints exist only when HOSTPASS_ADMIN_TOKEN is set; without it they are 404, so a
 * deployment that does not use them exposes nothing.
 */
export function adminAuthentication(adminToken: string | null) {
  return async (request: FastifyRequest): Promise<void> => {
    if (adminToken === null) throw new NotFoundError();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1] || !secretsEqual(match[1], adminToken)) throw new AuthenticationError();
  };
}
