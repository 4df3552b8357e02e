import type { Queryable } from './database.ts';

/** The one row an INSERT … RETURNING gave back (a statement that returned none is a bug). */
export function insertedRow<Row>(rows: readonly Row[], table: string): Row {
  const row = rows[0];
  if (!row) throw new Error(`INSERT INTO ${table} returned no row`);
  return row;
}

/**
 * A value for `insert` meaning the database's clock at the statement (`clock_timestamp()`), so that
 * every timestamp the stores compare comes from one clock, never from several processes' clocks.
 */
export const NOW = Symbol('clock_timestamp()');

/**
 * The queries every table's store repeats, in the spirit of Infisical's `ormify`: insert a row and
 * read it back, find, update or delete one by id. The names say whether the workspace is checked:
 * `…InWorkspace` for API requests, which must never see another workspace's row; `…ById` for
 * callers that carry only the id (jobs, Zoom's and Attendee's callbacks). The transaction comes
 * last and is optional. Table and column names come from the store's code, never from input.
 */
export function tableStore<Row extends object>(
  db: Queryable,
  table: { name: string; columns: string },
) {
  return {
    /** INSERT … RETURNING the store's columns; `values` maps column names to values (or `NOW`). */
    async insert(values: Record<string, unknown>, q: Queryable = db): Promise<Row> {
      const names = Object.keys(values);
      const params: unknown[] = [];
      const placeholders = Object.values(values).map((value) => {
        if (value === NOW) return 'clock_timestamp()';
        params.push(value);
        return `$${params.length}`;
      });
      const { rows } = await q.query<Row>(
        `INSERT INTO ${table.name} (${names.join(', ')})
         VALUES (${placeholders.join(', ')}) RETURNING ${table.columns}`,
        params,
      );
      return insertedRow(rows, table.name);
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

    /** UPDATE … SET `values` (column names to values); the row as it is now, if there is one. */
    async updateById(
      id: string,
      values: Record<string, unknown>,
      q: Queryable = db,
    ): Promise<Row | undefined> {
      const names = Object.keys(values);
      const { rows } = await q.query<Row>(
        `UPDATE ${table.name} SET ${names.map((name, index) => `${name} = $${index + 2}`).join(', ')}
         WHERE id = $1 RETURNING ${table.columns}`,
        [id, ...Object.values(values)],
      );
      return rows[0];
    },

    /** False when the workspace has no such row (another workspace's is left alone). */
    async deleteInWorkspace(workspaceId: string, id: string, q: Queryable = db): Promise<boolean> {
      const { rowCount } = await q.query(
        `DELETE FROM ${table.name} WHERE id = $1 AND workspace_id = $2`,
        [id, workspaceId],
      );
      return rowCount > 0;
    },
  };
}

export type TableStore<Row extends object> = ReturnType<typeof tableStore<Row>>;
