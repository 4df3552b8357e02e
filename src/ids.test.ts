import { describe, expect, it, vi } from 'vitest';
import { uuidv7, uuidv7Floor } from './ids.ts';

describe('uuidv7', () => {
  it('is a version-7 UUID that sorts in generation order, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('uuidv7Floor', () => {
  it('sorts below every id made in its millisecond and above every id made before it', () => {
    // Later than any id this process made, so the generator follows the faked clock.
    vi.useFakeTimers({ now: Date.UTC(2100, 0, 1, 0, 0, 0, 500), toFake: ['Date'] });
    try {
      const before = uuidv7();
      vi.setSystemTime(Date.now() + 1);
      const at = Date.now();
      const during = Array.from({ length: 50 }, () => uuidv7());
      const floor = uuidv7Floor(at);
      expect(floor).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7000-8000-000000000000$/);
      // PostgreSQL compares uuids byte by byte, as these lowercase hex strings compare.
      expect(before < floor).toBe(true);
      for (const id of during) expect(id >= floor).toBe(true);
      expect(uuidv7Floor(at + 1) > (during.at(-1) as string)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
