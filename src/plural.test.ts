import { describe, expect, it } from 'vitest';
import { plural } from './plural.ts';

describe('plural', () => {
  it.each([
    [0, 'meeting', undefined, '0 meetings'],
    [1, 'meeting', undefined, '1 meeting'],
    [2, 'meeting', undefined, '2 meetings'],
    [1, 'key', 'keys', '1 key'],
    [3, 'entry', 'entries', '3 entries'],
  ])('%d %s → %s', (count, singular, pluralForm, expected) => {
    expect(plural(count, singular, pluralForm)).toBe(expected);
  });
});
