import { describe, expect, it } from 'vitest';
import { createExpiringSet } from './expiring-set.ts';

describe('createExpiringSet', () => {
  it('remembers a key for ttlMs, then forgets it', () => {
    let clock = 1000;
    const set = createExpiringSet({ ttlMs: 60_000, maxSize: 10, now: () => clock });
    expect(set.addIfAbsent('w1:85012345678')).toBe(true);
    expect(set.addIfAbsent('w1:85012345678')).toBe(false);
    clock += 59_999;
    expect(set.has('w1:85012345678')).toBe(true);
    clock += 1;
    expect(set.has('w1:85012345678')).toBe(false);
    expect(set.addIfAbsent('w1:85012345678')).toBe(true);
  });

  it('never holds more than maxSize keys: the oldest goes first', () => {
    const set = createExpiringSet({ ttlMs: 60_000, maxSize: 3, now: () => 0 });
    for (const key of ['a', 'b', 'c', 'd']) set.add(key);
    expect(set.size).toBe(3);
    expect(set.has('a')).toBe(false);
    expect(['b', 'c', 'd'].every((key) => set.has(key))).toBe(true);
  });

  it('drops expired keys as new ones come, so a stream of distinct keys stays small', () => {
    let clock = 0;
    const set = createExpiringSet({ ttlMs: 10, maxSize: 1000, now: () => clock });
    for (let i = 0; i < 500; i += 1) {
      set.add(`k${i}`);
      clock += 1;
    }
    expect(set.size).toBeLessThanOrEqual(11);
  });

  it('adding a key again extends its life and moves it to the back of the line', () => {
    let clock = 0;
    const set = createExpiringSet({ ttlMs: 100, maxSize: 2, now: () => clock });
    set.add('a');
    set.add('b');
    clock = 50;
    set.add('a');
    set.add('c');
    expect(set.has('b')).toBe(false);
    expect(set.has('a')).toBe(true);
    clock = 120;
    expect(set.has('a')).toBe(true);
  });
});
