import { apiKeyServiceFactory } from './api-keys/service.ts';
import { apiKeyStoreFactory } from './api-keys/store.ts';
import { appLogStoreFactory } from './apps/log-store.ts';
import { appServiceFactory } from './apps/service.ts';
import { APP_SEALED_COLUMNS, appStoreFactory } from './apps/store.ts';
import type { Keyring } from './crypto/keyring.ts';
import type { SealedColumn } from './crypto/sealed-columns.ts';
import type { Database } from './db/database.ts';
import { workspaceServiceFactory } from './workspaces/service.ts';
import { workspaceStoreFactory } from './workspaces/store.ts';

/** Every column that holds sealed values, for key rotation and key-usage checks. */
export const SEALED_COLUMNS: readonly SealedColumn[] = [...APP_SEALED_COLUMNS];

/** The composition root: every service built once with its dependencies. */
export function createServices(deps: { db: Database; keyring: Keyring; publicUrl: string }) {
  const { db, keyring, publicUrl } = deps;
  const workspaces = workspaceStoreFactory(db);
  const apiKeys = apiKeyStoreFactory(db);
  const apiKeyService = apiKeyServiceFactory({ db, apiKeys, workspaces });
  const workspaceService = workspaceServiceFactory({ db, workspaces, apiKeys, apiKeyService });
  const appService = appServiceFactory({
    apps: appStoreFactory(db),
    appLogs: appLogStoreFactory(db),
    keyring,
    publicUrl,
  });
  return { apiKeyService, workspaceService, appService };
}

export type Services = ReturnType<typeof createServices>;
