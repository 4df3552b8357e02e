import type { Queryable } from '../db/database.ts';

export type CredentialEventType =
  | 'credential.created'
  | 'credential.reauthorized'
  | 'credential.unhealthy'
  | 'credential.healthy'
  | 'credential.deleted'
  | 'credential.sync.completed'
  | 'credential.sync.failed';

/**
 * Reports a change of a credential to the outgoing events, in `q` — the transaction that made
 * the change — so an event exists exactly when its change was committed. `extra` is what the
 * event adds to the credential object (counts, a reason).
 */
export type CredentialEvents = (
  q: Queryable,
  type: CredentialEventType,
  credentialId: string,
  extra?: Record<string, unknown>,
) => Promise<void>;
