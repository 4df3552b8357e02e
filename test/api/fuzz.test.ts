import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRequest } from '../support/hostpass.ts';
import {
  isDrfErrorBody,
  numericFieldsOf,
  type Operation,
  operationsOf,
  requestFor,
  type Schema,
  withValueAt,
} from '../support/openapi.ts';
import { startZoomWorld, type ZoomWorld } from '../support/zoom-world.ts';

let world: ZoomWorld;
let operations: Operation[];

beforeAll(async () => {
  world = await startZoomWorld({ workers: false });
  operations = operationsOf((await world.hostpass.api('/openapi.json')).body);
});
afterAll(() => world.close());

const DEEP = 5000;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Stands for a JSON value too deep to build as an object: replaced in the request's text. */
const DEEP_MARKER = '__deep_json__';
const deepJson = `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;

/** Hostile strings: huge, odd unicode, NUL bytes, SQL and path tricks, numbers that are not. */
const hostileString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\u202e\u0041',
    '💥'.repeat(2000),
    'x'.repeat(5000),
    "' OR 1=1 --",
    '../../../etc/passwd',
    '%00',
    '%zz',
    '{"$gt":""}',
    'Infinity',
    '-Infinity',
    '1e400',
    'NaN',
    '-0',
    '18446744073709551616',
    '2024-13-45T99:99:99Z',
    '00000000-0000-0000-0000-000000000000',
  ),
);
/** Values of the wrong type for any field, a deep value among them. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(DEEP_MARKER),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
  fc.constant('x'.repeat(1_100_000)), // over the 1 MiB body limit
);
/** Whole bodies that are not what any route takes. */
const hostileBody = fc.oneof(
  fc.constantFrom('', '{', '[]', 'null', '"text"', '1e400', deepJson, `[${deepJson}]`, '\u0000'),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? 'null'),
);

type Mutation =
  | { kind: 'field'; path: string[]; value: unknown }
  | { kind: 'query' | 'path'; name: string; value: string }
  | { kind: 'body'; text: string };

function mutations(operation: Operation): fc.Arbitrary<Mutation> {
  const options: fc.Arbitrary<Mutation>[] = [];
  const bodyFields = Object.keys((operation.body as Schema | null)?.properties ?? {});
  if (operation.body) {
    options.push(hostileBody.map((text) => ({ kind: 'body' as const, text })));
    if (bodyFields.length > 0) {
      options.push(
        fc
          .record({ key: fc.constantFrom(...bodyFields), value: hostileValue })
          .map(({ key, value }) => ({ kind: 'field' as const, path: [key], value })),
      );
    }
  }
  for (const field of numericFieldsOf(operation).filter((field) => field.in === 'body')) {
    if (field.in !== 'body') continue;
    options.push(
      fc
        .constantFrom('Infinity', '-Infinity', '1e400', 'NaN', 1e300, -1, 0, 1.5, 2 ** 64)
        .map((value) => ({ kind: 'field' as const, path: field.path, value })),
    );
  }
  for (const parameter of operation.parameters.filter((p) => p.in !== 'header')) {
    options.push(
      hostileString
        // A URL carries UTF-8 (no lone surrogate) and stays under Node's 16 KiB header limit.
        .filter((value) => value.length < 4000 && !LONE_SURROGATE.test(value))
        .map((value) => ({ kind: parameter.in as 'query' | 'path', name: parameter.name, value })),
    );
  }
  // A GET without parameters (GET /api/v2/stats/) cannot carry a body: an unknown query parameter.
  if (options.length === 0 && operation.method === 'GET')
    options.push(
      hostileString
        .filter((value) => value.length < 4000 && !LONE_SURROGATE.test(value))
        .map((value) => ({ kind: 'query' as const, name: 'unknown', value })),
    );
  if (options.length === 0)
    options.push(hostileBody.map((text) => ({ kind: 'body' as const, text })));
  return fc.oneof(...options);
}

/**
 * The smallest valid body, with every optional number too: a number that slips through
 * validation then reaches the code that uses it (a token URL's expiry, say).
 */
function baseBody(operation: Operation): unknown {
  const { init } = requestFor(operation);
  let body: unknown = JSON.parse(init.body ?? '{}');
  for (const field of numericFieldsOf(operation)) {
    if (field.in === 'body') body = withValueAt(body, field.path, field.schema.minimum ?? 1);
  }
  return body;
}

function mutatedRequest(
  operation: Operation,
  mutation: Mutation,
): { path: string; init: ApiRequest } {
  switch (mutation.kind) {
    case 'query':
      return requestFor(operation, { query: { [mutation.name]: mutation.value } });
    case 'path':
      return requestFor(operation, { path: { [mutation.name]: mutation.value } });
    case 'body':
      return requestFor(operation, { body: mutation.text });
    case 'field': {
      const text = JSON.stringify(
        withValueAt(baseBody(operation), mutation.path, mutation.value),
      ).replace(`"${DEEP_MARKER}"`, deepJson);
      return requestFor(operation, { body: text });
    }
  }
}

describe('fuzz: every route of the OpenAPI document (issue 13)', () => {
  it('answers hostile input with a 4xx in the API error format, never a 5xx', async () => {
    expect(operations.length).toBeGreaterThan(25);
    for (const operation of operations) {
      await fc.assert(
        fc.asyncProperty(mutations(operation), async (mutation) => {
          const { path, init } = mutatedRequest(operation, mutation);
          const response = await world.hostpass.api(path, init);
          const what = `${operation.method} ${operation.path} → ${response.status} ${response.text.slice(0, 300)}`;
          expect(response.status, what).toBeLessThan(500);
          if (response.status >= 400) expect(isDrfErrorBody(response), what).toBe(true);
        }),
        { numRuns: 30 },
      );
    }
  });
});
