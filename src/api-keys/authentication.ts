import type { FastifyRequest } from 'fastify';
import type { ApiKeyService, AuthContext } from './service.ts';

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
