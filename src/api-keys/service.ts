import { generateSecret, sha256Hex } from '../crypto/secrets.ts';
import type { Database, Queryable } from '../db/database.ts';
import { AuthenticationError, BadRequestError, NotFoundError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import type { ApiKeyRow, ApiKeyStore } from './store.ts';

export const API_KEY_PREFIX = 'hp_';

export interface AuthContext {
  workspaceId: string;
  apiKeyId: string;
}

export interface CreatedApiKey {
  record: ApiKeyRow;
  /** The key itself: shown once, stored only as a hash. */
  key: string;
}

const NO_CREDENTIALS =
  'Authentication credentials were not provided. Send the header "Authorization: Token <API key>".';
const MALFORMED_HEADER =
  'Invalid token header. Send the header "Authorization: Token <API key>" (not Bearer or Basic; the key has no spaces).';

/** Both `Token <key>` and the bare key are sent by real clients of the hosted API. */
export function keyFromAuthorizationHeader(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim();
  const match = /^Token\s+(\S+)$/i.exec(value);
  if (match) return match[1] ?? null;
  // "Token" alone is the keyword with an empty key (an unset variable), not a key.
  return /^\S+$/.test(value) && !/^Token$/i.test(value) ? value : null;
}

/**
 * `apiKeys.findByHash` is answered from memory while no process changed the keys (src/hot-path/):
 * a request makes no query, and a deleted key is refused at once by the process that deleted it
 * and within milliseconds by the others (they hear of it through PostgreSQL's NOTIFY).
 */
export const apiKeyServiceFactory = (deps: { db: Database; apiKeys: ApiKeyStore }) => {
  const { db, apiKeys } = deps;
  /** `workspaceId` null: the operator's CLI, which may name a key of any workspace. */
  const findKey = (workspaceId: string | null, id: string, q?: Queryable) =>
    workspaceId === null ? apiKeys.findById(id, q) : apiKeys.findInWorkspace(workspaceId, id, q);

  async function insertKey(
    tx: Queryable,
    workspaceId: string,
    name: string,
    key: string,
    shown = true,
  ): Promise<CreatedApiKey> {
    const record = await apiKeys.insert(
      {
        id: uuidv7(),
        workspaceId,
        name,
        keyHash: sha256Hex(key),
        keyPrefix: key.slice(0, API_KEY_PREFIX.length + 4),
        shown,
      },
      tx,
    );
    return { record, key };
  }

  return {
    async authenticate(authorization: string | undefined): Promise<AuthContext> {
      // A wrong key gets exactly the hosted API's answer; a header that names no key gets a hint.
      if (!authorization?.trim()) throw new AuthenticationError(NO_CREDENTIALS);
      const key = keyFromAuthorizationHeader(authorization);
      if (!key) throw new AuthenticationError(MALFORMED_HEADER);
      const record = await apiKeys.findByHash(sha256Hex(key));
      if (!record) throw new AuthenticationError();
      return { workspaceId: record.workspace_id, apiKeyId: record.id };
    },

    /** `key` is given only for operator-chosen keys (HOSTPASS_BOOTSTRAP_API_KEY). */
    create(
      workspaceId: string,
      name: string,
      tx: Queryable = db,
      key = generateSecret(API_KEY_PREFIX),
    ): Promise<CreatedApiKey> {
      return insertKey(tx, workspaceId, name, key);
    },

    /**
     * A key whose caller prints it later (the first key `serve` generates): it counts as never
     * shown until markShown, so a process that dies in between leaves a trace the next start reports.
     */
    createUnshown(workspaceId: string, name: string, tx: Queryable): Promise<CreatedApiKey> {
      return insertKey(tx, workspaceId, name, generateSecret(API_KEY_PREFIX), false);
    },

    markShown: apiKeys.markShown,
    workspacesWithoutShownKey: apiKeys.workspacesWithoutShownKey,

    list: apiKeys.list,
    countAll: apiKeys.countAll,

    async get(workspaceId: string | null, id: string): Promise<ApiKeyRow> {
      const record = await findKey(workspaceId, id);
      if (!record) throw new NotFoundError();
      return record;
    },

    /** Refuses to remove a workspace's last key: nobody could then reach the workspace. */
    async delete(workspaceId: string | null, id: string): Promise<void> {
      await db.transaction(async (tx) => {
        const record = await findKey(workspaceId, id, tx);
        if (!record) throw new NotFoundError();
        await apiKeys.lockWorkspace(record.workspace_id, tx);
        if ((await apiKeys.countInWorkspace(record.workspace_id, tx)) <= 1) {
          throw new BadRequestError(
            'This is the last API key of the workspace. Create another key before deleting this one.',
          );
        }
        await apiKeys.deleteInWorkspace(record.workspace_id, id, tx);
      });
    },
  };
};

export type ApiKeyService = ReturnType<typeof apiKeyServiceFactory>;
