import { BadRequestError } from '../errors.ts';

/** The credential cannot give out tokens until someone acts; `reason` says what to do. */
export class CredentialUnhealthyError extends BadRequestError {
  readonly reason: string;
  constructor(reason: string) {
    super(`The credential is unhealthy: ${reason}`, { code: 'credential_unhealthy' });
    this.name = 'CredentialUnhealthyError';
    this.reason = reason;
  }
}
