// Zoom's token pagination: `page_size` up to 300 (default 30, larger values are capped),
// `next_page_token` an empty string on the last page, and a token that dies after 15 minutes
// of emulator time (then: 400 code 300).

import type { EmulatorClock } from './clock.ts';
import type { EmulatorState } from './state.ts';
import { apiErrors, ZoomApiFailure } from './zoom-errors.ts';

const CURSOR_LIFETIME_MS = 15 * 60_000;
export const MAX_PAGE_SIZE = 300;
export const DEFAULT_PAGE_SIZE = 30;

export interface Page<T> {
  items: T[];
  page_size: number;
  total_records: number;
  next_page_token: string;
}

export function parsePageSize(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PAGE_SIZE;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1) {
    throw new ZoomApiFailure(apiErrors.invalidField('Invalid field: page_size.'));
  }
  return Math.min(size, MAX_PAGE_SIZE);
}

export function createPaginator(deps: { state: EmulatorState; clock: EmulatorClock }) {
  const { state, clock } = deps;
  return {
    /** `listing` names the list and its filters; a token only continues the list it came from. */
    page<T>(
      listing: string,
      all: T[],
      query: { page_size?: string | undefined; next_page_token?: string | undefined },
    ): Page<T> {
      const pageSize = parsePageSize(query.page_size);
      const token = query.next_page_token;
      let offset = 0;
      if (token) {
        const cursor = state.pageCursors.get(token);
        if (!cursor || cursor.listing !== listing || cursor.expires_at_ms <= clock.nowMs()) {
          throw new ZoomApiFailure(apiErrors.invalidPageToken());
        }
        offset = cursor.offset;
      }
      const items = all.slice(offset, offset + pageSize);
      let next = '';
      if (offset + pageSize < all.length) {
        next = state.random.string(32);
        state.pageCursors.set(next, {
          token: next,
          listing,
          offset: offset + pageSize,
          expires_at_ms: clock.nowMs() + CURSOR_LIFETIME_MS,
        });
      }
      return { items, page_size: pageSize, total_records: all.length, next_page_token: next };
    },
  };
}

export type Paginator = ReturnType<typeof createPaginator>;
