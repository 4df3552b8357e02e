import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonNestingExceeds } from './json-body.ts';

/** How deeply a parsed JSON value nests objects and arrays (the reference). */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Object.values(value);
  return 1 + (children.length === 0 ? 0 : Math.max(...children.map(depthOf)));
}

describe('jsonNestingExceeds', () => {
  it('agrees with the depth of the parsed value, for any JSON and any limit', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 12 }),
        fc.integer({ min: 0, max: 14 }),
        (value, limit) => {
          const text = JSON.stringify(value);
          expect(jsonNestingExceeds(text, limit)).toBe(depthOf(value) > limit);
          // Whitespace between tokens changes nothing.
          expect(jsonNestingExceeds(JSON.stringify(value, null, 2), limit)).toBe(
            depthOf(value) > limit,
          );
        },
      ),
    );
  });

  it('skips brackets inside strings, escaped quotes included', () => {
    expect(jsonNestingExceeds(JSON.stringify({ a: '[[[[{{{{"\\' }), 1)).toBe(false);
    for (const tail of ['\\', '\\\\', '\\"', '\\\\"[[[']) {
      const text = JSON.stringify({ a: `x${tail}`, b: [[{ c: `${tail}[` }]] });
      expect(jsonNestingExceeds(text, 4), text).toBe(false);
      expect(jsonNestingExceeds(text, 3), text).toBe(true);
    }
    expect(jsonNestingExceeds(`${'['.repeat(5000)}${']'.repeat(5000)}`)).toBe(true);
  });
});
