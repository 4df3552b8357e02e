import type { ApiKeyService, CreatedApiKey } from '../api-keys/service.ts';
import type { Database } from '../db/database.ts';
import { uuidv7 } from '../ids.ts';
import type { WorkspaceRow, WorkspaceStore } from './store.ts';

export interface CreatedWorkspace {
  workspace: WorkspaceRow;
  apiKey: CreatedApiKey;
}

export type InitialAccess =
  | { kind: 'existing' }
  | { kind: 'bootstrap'; workspace: WorkspaceRow }
  | { kind: 'generated'; workspace: WorkspaceRow; apiKey: CreatedApiKey };

// Serialises first-start set-up across processes starting at once on one PostgreSQL.
const INITIAL_ACCESS_LOCK_KEY = 4_807_114;

export const workspaceServiceFactory = (deps: {
  db: Database;
  workspaces: WorkspaceStore;
  apiKeyService: ApiKeyService;
}) => {
  const { db, workspaces, apiKeyService } = deps;

  return {
    /** A workspace always comes with its first key, so it is reachable the moment it exists. */
    create(name: string): Promise<CreatedWorkspace> {
      return db.transaction(async (tx) => {
        const workspace = await workspaces.insert({ id: uuidv7(), name }, tx);
        const apiKey = await apiKeyService.create(workspace.id, 'First key', tx);
        return { workspace, apiKey };
      });
    },

    list: workspaces.list,

    /**
     * On an empty store, makes sure someone can get in: with the operator's bootstrap key if one
     * is configured, otherwise with a generated key that the caller prints once and then marks
     * shown (`apiKeyService.markShown`).
     */
    ensureInitialAccess(bootstrapApiKey: string | null): Promise<InitialAccess> {
      return db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [INITIAL_ACCESS_LOCK_KEY]);
        if ((await apiKeyService.countAll(tx)) > 0) return { kind: 'existing' };
        const existing = await workspaces.first(tx);
        const workspace =
          existing ?? (await workspaces.insert({ id: uuidv7(), name: 'Default workspace' }, tx));
        if (bootstrapApiKey !== null) {
          await apiKeyService.create(workspace.id, 'Bootstrap key', tx, bootstrapApiKey);
          return { kind: 'bootstrap', workspace };
        }
        const apiKey = await apiKeyService.createUnshown(workspace.id, 'First key', tx);
        return { kind: 'generated', workspace, apiKey };
      });
    },
  };
};

export type WorkspaceService = ReturnType<typeof workspaceServiceFactory>;
