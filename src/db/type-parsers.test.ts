import { describe, expect, it } from 'vitest';
import { parseTimestamptz } from './type-parsers.ts';

describe('parseTimestamptz', () => {
  it.each([
    ['2024-04-24 06:38:38.879706+00', '2024-04-24T06:38:38.879706Z'],
    ['2024-04-24 06:38:38.8797+00', '2024-04-24T06:38:38.879700Z'],
    ['2024-04-24 06:38:38+00', '2024-04-24T06:38:38.000000Z'],
    ['2024-04-24 08:38:38.5+02', '2024-04-24T06:38:38.500000Z'],
  ])('%s → %s', (text, iso) => {
    expect(parseTimestamptz(text)).toBe(iso);
  });
});
