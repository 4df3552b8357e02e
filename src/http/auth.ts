import type { FastifyRequest } from 'fastify';
import { secretsEqual } from '../crypto/secrets.ts';
import { AuthenticationError, NotFoundError } from '../errors.ts';

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
