import type { SealedColumn } from '../crypto/sealed-columns.ts';
import type { Queryable } from '../db/database.ts';
import {
  fetchCreatedAtPage,
  type KeysetPage,
  type KeysetWindow,
  SqlConditions,
} from '../db/keyset.ts';
import { tableStore } from '../db/table-store.ts';

export interface AttendeeIntegrationRow {
  id: string;
  workspace_id: string;
  signing_secret_sealed: string;
  signing_secret_last4: string;
  obf_user_metadata_key: string;
  zak_user_metadata_key: string;
  accept_legacy_signatures: boolean;
  url_key: string;
  created_at: string;
}

export interface AttendeeIntegrationFilters {
  created_at_after?: string;
  created_at_before?: string;
}

export const SIGNING_SECRET_COLUMN: SealedColumn = {
  table: 'attendee_integrations',
  column: 'signing_secret_sealed',
};

const COLUMNS = `id, workspace_id, signing_secret_sealed, signing_secret_last4, obf_user_metadata_key,
  zak_user_metadata_key, accept_legacy_signatures, url_key, created_at`;

export const attendeeIntegrationStoreFactory = (db: Queryable) => {
  const table = tableStore<AttendeeIntegrationRow>(db, {
    name: 'attendee_integrations',
    columns: COLUMNS,
  });
  return {
    /** `findById` by id alone: Attendee's callbacks carry no API key (so no workspace). */
    ...table,

    insert: (row: Omit<AttendeeIntegrationRow, 'created_at'>) =>
      table.insert({
        id: row.id,
        workspace_id: row.workspace_id,
        signing_secret_sealed: row.signing_secret_sealed,
        signing_secret_last4: row.signing_secret_last4,
        obf_user_metadata_key: row.obf_user_metadata_key,
        zak_user_metadata_key: row.zak_user_metadata_key,
        accept_legacy_signatures: row.accept_legacy_signatures,
        url_key: row.url_key,
      }),

    list(
      workspaceId: string,
      filters: AttendeeIntegrationFilters,
      window: KeysetWindow,
    ): Promise<KeysetPage<AttendeeIntegrationRow>> {
      const where = new SqlConditions()
        .add('workspace_id = ?', workspaceId)
        .add('created_at >= ?::timestamptz', filters.created_at_after)
        .add('created_at <= ?::timestamptz', filters.created_at_before);
      return fetchCreatedAtPage<AttendeeIntegrationRow>(
        db,
        `SELECT ${COLUMNS} FROM attendee_integrations`,
        where,
        window,
      );
    },
  };
};

export type AttendeeIntegrationStore = ReturnType<typeof attendeeIntegrationStoreFactory>;
