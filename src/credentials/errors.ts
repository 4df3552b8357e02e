import type { AppKind } from '../apps/service.ts';
import { BadRequestError, errorMessage } from '../errors.ts';
import { ZOOM_CODE_MISSING_SCOPES, ZoomApiError } from '../zoom/api.ts';

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

/**
 * The status_reason of a credential whose validation failed after its token was renewed: what
 * Zoom said and, where re-authorizing is the fix, that.
 */
export function validationFailureReason(error: unknown, kind: AppKind): string {
  if (error instanceof ZoomApiError && error.tokenRejected)
    return `Zoom refused the credential's freshly issued token (${error.zoomMessage}). ${reconnectAdvice(kind)}`;
  if (error instanceof ZoomApiError && error.code === ZOOM_CODE_MISSING_SCOPES)
    return `Zoom says the grant lacks a scope Hostpass needs (${error.zoomMessage}). Add it to the Zoom app (Scopes). ${reconnectAdvice(kind)}`;
  const message = errorMessage(error);
  return message.replace(/^The credential is unhealthy: /, '');
}
