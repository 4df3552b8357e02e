import type { Queryable } from './database.ts';

/** A position in a list ordered by (timestamp column, id). */
export interface KeysetPosition {
  value: string;
  id: string;
}

export interface KeysetPageRequest {
  /** `SELECT … FROM …` without WHERE/ORDER BY. Rows must carry `id` and the order column. */
  select: string;
  conditions: readonly string[];
  params: readonly unknown[];
  orderColumn: string;
  descending: boolean;
  pageSize: number;
  /** Rows after this position, or (backwards) before it. */
  after: KeysetPosition | null;
  backwards: boolean;
}

/** What a list request asks for, apart from its filters. */
export type KeysetWindow = Pick<
  KeysetPageRequest,
  'pageSize' | 'after' | 'backwards' | 'descending'
>;

export interface KeysetPage<Row> {
  rows: Row[];
  /** Rows exist beyond the last row, in the list's order. */
  hasMoreAfter: boolean;
  /** Rows exist before the first row, in the list's order. */
  hasMoreBefore: boolean;
}

/**
 * Keyset ("seek") pagination: stable under concurrent inserts and as fast on page 1,000 as on
 * page 1, which OFFSET is not. The id breaks ties between equal timestamps.
 */
export async function fetchKeysetPage<Row>(
  db: Queryable,
  request: KeysetPageRequest,
): Promise<KeysetPage<Row>> {
  const params = [...request.params];
  const conditions = [...request.conditions];
  // Walking backwards flips the direction; the rows are reversed again below.
  const descending = request.descending !== request.backwards;
  if (request.after) {
    params.push(request.after.value, request.after.id);
    const comparison = descending ? '<' : '>';
    conditions.push(
      `(${request.orderColumn}, id) ${comparison} ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
    );
  }
  const direction = descending ? 'DESC' : 'ASC';
  params.push(request.pageSize + 1);
  const text = [
    request.select,
    conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '',
    `ORDER BY ${request.orderColumn} ${direction}, id ${direction}`,
    `LIMIT $${params.length}`,
  ].join(' ');
  const { rows } = await db.query<Row>(text, params);
  const hasMore = rows.length > request.pageSize;
  const page = rows.slice(0, request.pageSize);
  if (request.backwards) page.reverse();
  return {
    rows: page,
    hasMoreAfter: request.backwards ? request.after !== null : hasMore,
    hasMoreBefore: request.backwards ? hasMore : request.after !== null,
  };
}

/** Collects positional parameters for dynamically filtered queries. */
export class SqlConditions {
  readonly conditions: string[] = [];
  readonly params: unknown[] = [];

  /** `template` uses `?` for the one parameter, e.g. `kind = ?` or `created_at >= ?::timestamptz`. */
  add(template: string, value: unknown): this {
    if (value === undefined) return this;
    this.params.push(value);
    this.conditions.push(template.replace('?', `$${this.params.length}`));
    return this;
  }

  /** A condition without a parameter (fixed by the caller's code, never by input). */
  addFixed(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  /**
   * `column` at or before `value` as answers show times, to the millisecond (http/timestamps.ts):
   * a row shown as …38.879Z is at or before …38.879Z although PostgreSQL holds …38.879512, so a
   * time copied from an answer into a filter finds its own row.
   */
  atOrBefore(column: string, value: string | undefined): this {
    return this.add(
      `${column} < date_trunc('milliseconds', ?::timestamptz) + interval '1 millisecond'`,
      value,
    );
  }
}

/** The common case: newest or oldest first by `created_at`, filtered by `where`. */
export function fetchCreatedAtPage<Row>(
  db: Queryable,
  select: string,
  where: SqlConditions,
  window: KeysetWindow,
): Promise<KeysetPage<Row>> {
  return fetchKeysetPage<Row>(db, {
    select,
    conditions: where.conditions,
    params: where.params,
    orderColumn: 'created_at',
    ...window,
  });
}
