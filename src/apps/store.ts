import type { SealedColumn } from '../crypto/sealed-columns.ts';
import type { Queryable } from '../db/database.ts';
import {
  fetchCreatedAtPage,
  type KeysetPage,
  type KeysetWindow,
  SqlConditions,
} from '../db/keyset.ts';
import { tableStore } from '../db/table-store.ts';

export type AppKind = 'user_level' | 'account_level';

export interface AppRow {
  id: string;
  workspace_id: string;
  kind: AppKind;
  client_id: string;
  client_secret_last4: string;
  webhook_secret_last4: string;
  webhook_last_validation: string | null;
  connect_return_origins: string[] | null;
  created_at: string;
}

export interface AppSecretsRow {
  id: string;
  workspace_id: string;
  client_id: string;
  client_secret_sealed: string;
  webhook_secret_sealed: string;
}

export interface AppFilters {
  client_id?: string;
  kind?: AppKind;
  created_at_after?: string;
  created_at_before?: string;
  webhook_last_validation_after?: string;
  webhook_last_validation_before?: string;
}

export const APP_SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'zoom_oauth_apps', column: 'client_secret_sealed' },
  { table: 'zoom_oauth_apps', column: 'webhook_secret_sealed' },
];
export const [CLIENT_SECRET_COLUMN, WEBHOOK_SECRET_COLUMN] = APP_SEALED_COLUMNS as [
  SealedColumn,
  SealedColumn,
];

const COLUMNS =
  'id, workspace_id, kind, client_id, client_secret_last4, webhook_secret_last4, webhook_last_validation, connect_return_origins, created_at';

export const appStoreFactory = (db: Queryable) => {
  const table = tableStore<AppRow>(db, { name: 'zoom_oauth_apps', columns: COLUMNS });
  return {
    ...table,

    insert: (app: {
      id: string;
      workspaceId: string;
      kind: AppKind;
      clientId: string;
      clientSecretSealed: string;
      clientSecretLast4: string;
      webhookSecretSealed: string;
      webhookSecretLast4: string;
      connectReturnOrigins: string[] | null;
    }) =>
      table.insert({
        id: app.id,
        workspace_id: app.workspaceId,
        kind: app.kind,
        client_id: app.clientId,
        client_secret_sealed: app.clientSecretSealed,
        client_secret_last4: app.clientSecretLast4,
        webhook_secret_sealed: app.webhookSecretSealed,
        webhook_secret_last4: app.webhookSecretLast4,
        connect_return_origins: app.connectReturnOrigins,
      }),

    /** Sealed secrets by app id alone: for Zoom's webhooks, which carry no API key. */
    async findSecrets(id: string): Promise<AppSecretsRow | undefined> {
      const { rows } = await db.query<AppSecretsRow>(
        'SELECT id, workspace_id, client_id, client_secret_sealed, webhook_secret_sealed FROM zoom_oauth_apps WHERE id = $1',
        [id],
      );
      return rows[0];
    },

    /** Zoom's endpoint.url_validation challenge (repeated every 72 hours) was just answered. */
    async recordWebhookValidation(id: string, q: Queryable = db): Promise<AppRow | undefined> {
      const { rows } = await q.query<AppRow>(
        `UPDATE zoom_oauth_apps SET webhook_last_validation = clock_timestamp() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id],
      );
      return rows[0];
    },

    list(
      workspaceId: string,
      filters: AppFilters,
      window: KeysetWindow,
    ): Promise<KeysetPage<AppRow>> {
      const where = new SqlConditions()
        .add('workspace_id = ?', workspaceId)
        .add('client_id = ?', filters.client_id)
        .add('kind = ?', filters.kind)
        .add('created_at >= ?::timestamptz', filters.created_at_after)
        .atOrBefore('created_at', filters.created_at_before)
        .add('webhook_last_validation >= ?::timestamptz', filters.webhook_last_validation_after)
        .atOrBefore('webhook_last_validation', filters.webhook_last_validation_before);
      return fetchCreatedAtPage<AppRow>(
        db,
        `SELECT ${COLUMNS} FROM zoom_oauth_apps`,
        where,
        window,
      );
    },

    /** Absent changes keep the current value; `connectReturnOrigins: null` removes the list. */
    async update(
      workspaceId: string,
      id: string,
      changes: {
        clientSecret?: { sealed: string; last4: string };
        webhookSecret?: { sealed: string; last4: string };
        connectReturnOrigins?: string[] | null;
      },
    ): Promise<AppRow | undefined> {
      const { rows } = await db.query<AppRow>(
        `UPDATE zoom_oauth_apps SET
         client_secret_sealed = COALESCE($3, client_secret_sealed),
         client_secret_last4 = COALESCE($4, client_secret_last4),
         webhook_secret_sealed = COALESCE($5, webhook_secret_sealed),
         webhook_secret_last4 = COALESCE($6, webhook_secret_last4),
         connect_return_origins = CASE WHEN $7::boolean THEN $8::text[] ELSE connect_return_origins END
       WHERE id = $1 AND workspace_id = $2 RETURNING ${COLUMNS}`,
        [
          id,
          workspaceId,
          changes.clientSecret?.sealed ?? null,
          changes.clientSecret?.last4 ?? null,
          changes.webhookSecret?.sealed ?? null,
          changes.webhookSecret?.last4 ?? null,
          changes.connectReturnOrigins !== undefined,
          changes.connectReturnOrigins ?? null,
        ],
      );
      return rows[0];
    },
  };
};

export type AppStore = ReturnType<typeof appStoreFactory>;
