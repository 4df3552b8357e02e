import type { Static } from 'typebox';
import type { Queryable } from '../db/database.ts';
import {
  fetchCreatedAtPage,
  type KeysetPage,
  type KeysetWindow,
  SqlConditions,
} from '../db/keyset.ts';
import { uuidv7 } from '../ids.ts';
import { type LogLevel, type logSchemas, MAX_LOG_MESSAGE_LENGTH } from './schemas.ts';

export type { LogLevel } from './schemas.ts';

/** An entry as the API shows it; `Subject` is the field naming what it is about (`credential`). */
export type LogView<Subject extends string> = Static<
  ReturnType<typeof logSchemas<Subject>>['entry']
>;

export interface LogFilters {
  subject?: string;
  created_at_after?: string;
  created_at_before?: string;
}

/**
 * A log of user-facing events about one kind of thing (an OAuth app, a credential): what went
 * wrong and what changed, in words the customer can act on. The table and its subject column
 * are fixed by the caller's code, never by input. App logs and credential logs are two of these,
 * read in the API's shape: the subject column comes out under the API's name for it.
 */
export const logStoreFactory = <Subject extends string>(
  db: Queryable,
  table: { name: string; subjectColumn: string; subjectField: Subject },
) => ({
  async insert(
    entry: { workspaceId: string; subjectId: string; level: LogLevel; message: string },
    tx: Queryable = db,
  ) {
    await tx.query(
      `INSERT INTO ${table.name} (id, workspace_id, ${table.subjectColumn}, level, message) VALUES ($1, $2, $3, $4, $5)`,
      [
        uuidv7(),
        entry.workspaceId,
        entry.subjectId,
        entry.level,
        entry.message.slice(0, MAX_LOG_MESSAGE_LENGTH),
      ],
    );
  },

  list(
    workspaceId: string,
    filters: LogFilters,
    window: KeysetWindow,
  ): Promise<KeysetPage<LogView<Subject>>> {
    const where = new SqlConditions()
      .add('workspace_id = ?', workspaceId)
      .add(`${table.subjectColumn} = ?::uuid`, filters.subject)
      .add('created_at >= ?::timestamptz', filters.created_at_after)
      .atOrBefore('created_at', filters.created_at_before);
    return fetchCreatedAtPage<LogView<Subject>>(
      db,
      `SELECT id, ${table.subjectColumn} AS ${table.subjectField}, level, message, created_at FROM ${table.name}`,
      where,
      window,
    );
  },
});

export type LogStore<Subject extends string = string> = ReturnType<typeof logStoreFactory<Subject>>;
