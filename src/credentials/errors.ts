import type { AppKind } from '../apps/store.ts';
import { BadRequestError } from '../errors.ts';

/**
 * The fix for a dead grant, as every status_reason states it: authorizing again heals the same
 * credential (it adopts the new grant), so nothing needs deleting.
 */
export function reconnectAdvice(kind: AppKind): string {
  const who = kind === 'account_level' ? 'an admin of the Zoom account' : 'the Zoom user';
  return `To restore access, send ${who} a Connect link to reconnect (or POST a new authorization code to /api/v2/zoom-oauth-credentials/); the credential keeps its id.`;
}

/** The credential cannot give out tokens until someone acts; `reason` says what to do. */
export class CredentialUnhealthyError extends BadRequestError {
  readonly reason: string;
  constructor(reason: string) {
    super(`The credential is unhealthy: ${reason}`, { code: 'credential_unhealthy' });
    this.name = 'CredentialUnhealthyError';
    this.reason = reason;
  }
}
