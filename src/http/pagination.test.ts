import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.ts';
import { buildPage, decodeCursor, encodeCursor, keysetWindowFrom } from './pagination.ts';

const ID = '0b6f4d7e-5a43-4c1c-9a51-5f1d8a0e6c11';

describe('cursors', () => {
  it('round-trip a position and direction', () => {
    const cursor = encodeCursor({ value: '2024-04-24T06:38:38.879706Z', id: ID, backwards: true });
    expect(decodeCursor(cursor)).toEqual({
      value: '2024-04-24T06:38:38.879706Z',
      id: ID,
      backwards: true,
    });
  });

  it.each([
    'garbage',
    Buffer.from('[1,2,3]').toString('base64url'),
    Buffer.from('["not a date","x",0]').toString('base64url'),
  ])('reject %s as "Invalid cursor"', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(NotFoundError);
  });

  it('turn list queries into windows', () => {
    expect(keysetWindowFrom({})).toEqual({
      pageSize: 50,
      after: null,
      backwards: false,
      descending: true,
    });
    expect(keysetWindowFrom({ ordering: 'created_at', page_size: 5 })).toMatchObject({
      pageSize: 5,
      descending: false,
    });
  });
});

describe('buildPage', () => {
  it('links the next and previous pages under PUBLIC_URL, keeping the other query parameters', () => {
    const rows = [
      { id: ID, created_at: '2024-01-01T00:00:00.000000Z' },
      { id: ID.replace('0b', '0c'), created_at: '2024-01-02T00:00:00.000000Z' },
    ];
    const page = buildPage(
      { rows, hasMoreAfter: true, hasMoreBefore: true },
      {
        publicUrl: 'https://hp.example',
        requestUrl: '/api/v2/zoom-oauth-apps/?kind=user_level&cursor=old',
      },
    );
    const next = new URL(String(page.next));
    expect(next.origin + next.pathname).toBe('https://hp.example/api/v2/zoom-oauth-apps/');
    expect(next.searchParams.get('kind')).toBe('user_level');
    expect(decodeCursor(next.searchParams.get('cursor') ?? '')).toMatchObject({
      id: rows[1]?.id,
      backwards: false,
    });
    expect(
      decodeCursor(new URL(String(page.previous)).searchParams.get('cursor') ?? ''),
    ).toMatchObject({ id: ID, backwards: true });
    expect(
      buildPage(
        { rows, hasMoreAfter: false, hasMoreBefore: false },
        { publicUrl: 'x', requestUrl: '/' },
      ),
    ).toMatchObject({
      next: null,
      previous: null,
    });
  });
});
