import { Type } from 'typebox';
import type { KeysetPage, KeysetPosition, KeysetWindow } from '../db/keyset.ts';
import { NotFoundError } from '../errors.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Query parameters every list endpoint takes; orderings are per resource. */
export function listQueryProperties<Orderings extends string[]>(orderings: [...Orderings]) {
  return {
    cursor: Type.Optional(
      Type.String({ maxLength: 500, description: 'Opaque cursor from `next` or `previous`.' }),
    ),
    page_size: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }),
    ),
    ordering: Type.Optional(Type.Enum(orderings)),
  };
}

export function pageSchema<Item extends ReturnType<typeof Type.Object>>(item: Item) {
  return Type.Object({
    next: Type.Union([Type.String(), Type.Null()]),
    previous: Type.Union([Type.String(), Type.Null()]),
    results: Type.Array(item),
  });
}

export interface Page<Item> {
  next: string | null;
  previous: string | null;
  results: Item[];
}

interface CursorPayload extends KeysetPosition {
  backwards: boolean;
}

// Exactly what the server writes into cursors: anything else is refused before it reaches SQL.
const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(payload: CursorPayload): string {
  return Buffer.from(
    JSON.stringify([payload.value, payload.id, payload.backwards ? 1 : 0]),
  ).toString('base64url');
}

/** Cursors are opaque to clients; a mangled one is "not found", as in Django REST framework. */
export function decodeCursor(cursor: string | undefined): CursorPayload | null {
  if (cursor === undefined) return null;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(decoded) &&
      decoded.length === 3 &&
      typeof decoded[0] === 'string' &&
      ISO_TIMESTAMP.test(decoded[0]) &&
      typeof decoded[1] === 'string' &&
      UUID.test(decoded[1])
    ) {
      return { value: decoded[0], id: decoded[1], backwards: decoded[2] === 1 };
    }
  } catch {
    // fall through
  }
  throw new NotFoundError('Invalid cursor');
}

/**
 * Builds `{next, previous, results}` with absolute links: the request's own path and query with
 * only the cursor replaced, under PUBLIC_URL (never the client-supplied Host header).
 */
export function buildPage<Item extends { id: string; created_at: string }>(
  page: KeysetPage<Item>,
  link: { publicUrl: string; requestUrl: string; position?: (item: Item) => string },
): Page<Item> {
  const positionOf = link.position ?? ((item: Item) => item.created_at);
  const first = page.rows[0];
  const last = page.rows.at(-1);
  const linkTo = (item: Item, backwards: boolean): string => {
    const url = new URL(link.requestUrl, 'http://placeholder');
    url.searchParams.set(
      'cursor',
      encodeCursor({ value: positionOf(item), id: item.id, backwards }),
    );
    return `${link.publicUrl}${url.pathname}${url.search}`;
  };
  return {
    next: page.hasMoreAfter && last ? linkTo(last, false) : null,
    previous: page.hasMoreBefore && first ? linkTo(first, true) : null,
    results: page.rows,
  };
}

/** Turns a list request's cursor, page size and ordering into the store's keyset window. */
export function keysetWindowFrom(query: {
  cursor?: string;
  page_size?: number;
  ordering?: string;
}): KeysetWindow {
  const cursor = decodeCursor(query.cursor);
  const ordering = query.ordering ?? '-created_at';
  return {
    pageSize: query.page_size ?? DEFAULT_PAGE_SIZE,
    after: cursor,
    backwards: cursor?.backwards ?? false,
    descending: ordering.startsWith('-'),
  };
}

interface PagingQuery {
  cursor?: string;
  page_size?: number;
  ordering?: string;
}

/**
 * Answers a list request: the query's paging parameters become the keyset window, the rest are
 * the resource's filters, and the page gets absolute links.
 */
export async function listPage<
  Query extends PagingQuery,
  Item extends { id: string; created_at: string },
>(
  request: { query: Query; url: string },
  publicUrl: string,
  list: (
    filters: Omit<Query, keyof PagingQuery>,
    window: KeysetWindow,
  ) => Promise<KeysetPage<Item>>,
): Promise<Page<Item>> {
  const { cursor, page_size, ordering, ...filters } = request.query;
  const page = await list(filters, keysetWindowFrom({ cursor, page_size, ordering }));
  return buildPage(page, { publicUrl, requestUrl: request.url });
}
