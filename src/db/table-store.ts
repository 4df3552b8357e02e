import type { Queryable } from './database.ts';

/**
 * The queries every table's store repeats, in the spirit of Infisical's `ormify`: insert a row and
 * read it back, and find one by id. The names say whether the workspace is checked:
 * `findInWorkspace` for API requests, which must never see another workspace's row; `findById`
 * for callers that carry only the id (jobs, Zoom's and Attendee's callbacks). The transaction
 * comes last and is optional. Table and column names come from the store's code, never from input.
 */
export function tableStore<Row extends object>(
  db: Queryable,
  table: { name: string; columns: string },
) {
  return {
    /** INSERT … RETURNING the store's columns; `values` maps column names to values. */
    async insert(values: Record<string, unknown>, q: Queryable = db): Promise<Row> {
      const names = Object.keys(values);
      const { rows } = await q.query<Row>(
        `INSERT INTO ${table.name} (${names.join(', ')})
         VALUES (${names.map((_, index) => `$${index + 1}`).join(', ')}) RETURNING ${table.columns}`,
        Object.values(values),
      );
      const row = rows[0];
      if (!row) throw new Error(`INSERT INTO ${table.name} returned no row`);
      return row;
    },

    async findInWorkspace(
      workspaceId: string,
      id: string,
      q: Queryable = db,
    ): Promise<Row | undefined> {
      const { rows } = await q.query<Row>(
        `SELECT ${table.columns} FROM ${table.name} WHERE id = $1 AND workspace_id = $2`,
        [id, workspaceId],
      );
      return rows[0];
    },

    async findById(id: string, q: Queryable = db): Promise<Row | undefined> {
      const { rows } = await q.query<Row>(
        `SELECT ${table.columns} FROM ${table.name} WHERE id = $1`,
        [id],
      );
      return rows[0];
    },
  };
}
