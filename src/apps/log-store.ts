import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import {
  fetchKeysetPage,
  type KeysetPage,
  type KeysetWindow,
  SqlConditions,
} from '../db/keyset.ts';

export type LogLevel = 'info' | 'warning' | 'error';

export interface AppLogRow {
  id: string;
  oauth_app_id: string;
  level: LogLevel;
  message: string;
  created_at: string;
}

export interface AppLogFilters {
  oauth_app?: string;
  created_at_after?: string;
  created_at_before?: string;
}

/** The API caps log messages at 2,000 characters. */
export const MAX_LOG_MESSAGE_LENGTH = 2000;

export const appLogStoreFactory = (db: Queryable) => ({
  async insert(
    entry: { workspaceId: string; appId: string; level: LogLevel; message: string },
    tx: Queryable = db,
  ) {
    await tx.query(
      'INSERT INTO zoom_oauth_app_logs (id, workspace_id, oauth_app_id, level, message) VALUES ($1, $2, $3, $4, $5)',
      [
        randomUUID(),
        entry.workspaceId,
        entry.appId,
        entry.level,
        entry.message.slice(0, MAX_LOG_MESSAGE_LENGTH),
      ],
    );
  },

  list(
    workspaceId: string,
    filters: AppLogFilters,
    window: KeysetWindow,
  ): Promise<KeysetPage<AppLogRow>> {
    const where = new SqlConditions()
      .add('workspace_id = ?', workspaceId)
      .add('oauth_app_id = ?::uuid', filters.oauth_app)
      .add('created_at >= ?::timestamptz', filters.created_at_after)
      .add('created_at <= ?::timestamptz', filters.created_at_before);
    return fetchKeysetPage<AppLogRow>(db, {
      select: 'SELECT id, oauth_app_id, level, message, created_at FROM zoom_oauth_app_logs',
      conditions: where.conditions,
      params: where.params,
      orderColumn: 'created_at',
      ...window,
    });
  },
});

export type AppLogStore = ReturnType<typeof appLogStoreFactory>;
