import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHostpass, type TestHostpass } from '../support/hostpass.ts';
import {
  isDrfErrorBody,
  type NumericField,
  numericFieldsOf,
  type Operation,
  operationsOf,
  requestFor,
  withValueAt,
} from '../support/openapi.ts';

let hostpass: TestHostpass;
let operations: Operation[];

beforeAll(async () => {
  hostpass = await startTestHostpass();
  operations = operationsOf((await hostpass.api('/openapi.json')).body);
});
afterAll(() => hostpass.close());

/** Numbers that are not finite, or not within any field's bounds, as a client can write them. */
const NOT_FINITE = ['Infinity', '-Infinity', '+Infinity', '1e400', '-1e400', 'NaN'];
const OUT_OF_BOUNDS = ['1e20', '-1', '0', '9007199254740993', '1.5'];
/** The same, as JSON number literals (JSON has no Infinity: 1e400 parses to it). */
const JSON_LITERALS = ['1e400', '-1e400', '1e20', '-1', '1.5', '0'];

const fieldName = (field: NumericField) =>
  field.in === 'body' ? field.path.join('.') : `${field.in}:${field.name}`;

/** The request with `raw` (text) as the field's value: a query string, or JSON (string or literal). */
function badRequest(operation: Operation, field: NumericField, raw: string, asLiteral: boolean) {
  if (field.in !== 'body') return requestFor(operation, { [field.in]: { [field.name]: raw } });
  const { init } = requestFor(operation);
  const marker = '"__number__"';
  const body = JSON.stringify(
    withValueAt(JSON.parse(init.body ?? '{}'), field.path, '__number__'),
  ).replace(marker, asLiteral ? raw : JSON.stringify(raw));
  return requestFor(operation, { body });
}

function errorsAt(body: unknown, field: NumericField): unknown {
  const path = field.in === 'body' ? field.path : [field.name];
  return path.reduce<unknown>(
    (value, key) =>
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[key]
        : undefined,
    body,
  );
}

describe('numeric input (every numeric field of the OpenAPI document)', () => {
  it('finds the numeric fields, and every one is bounded', () => {
    const fields = operations.flatMap((operation) =>
      numericFieldsOf(operation).map(
        (field) => `${operation.method} ${operation.path} ${fieldName(field)}`,
      ),
    );
    // page_size on 6 lists, meeting_id (mappings, tokens, token URLs), expires_in_seconds, ttl_seconds.
    expect(fields.length, fields.join('\n')).toBeGreaterThanOrEqual(11);
    for (const operation of operations) {
      for (const field of numericFieldsOf(operation)) {
        expect(field.schema.minimum, fieldName(field)).toEqual(expect.any(Number));
        expect(field.schema.maximum, fieldName(field)).toEqual(expect.any(Number));
      }
    }
  });

  it('answers 400 on the field for a number that is not finite or out of bounds, never 5xx', async () => {
    const failures: string[] = [];
    for (const operation of operations) {
      for (const field of numericFieldsOf(operation)) {
        const cases = [
          ...[...NOT_FINITE, ...OUT_OF_BOUNDS].map((raw) => ({ raw, literal: false })),
          ...(field.in === 'body' ? JSON_LITERALS.map((raw) => ({ raw, literal: true })) : []),
        ];
        for (const { raw, literal } of cases) {
          const { path, init } = badRequest(operation, field, raw, literal);
          const response = await hostpass.api(path, init);
          const what = `${operation.method} ${operation.path} ${fieldName(field)}=${literal ? raw : JSON.stringify(raw)}`;
          const errors = errorsAt(response.body, field);
          const onTheField =
            field.in === 'path'
              ? response.status === 404 && isDrfErrorBody(response)
              : response.status === 400 &&
                Array.isArray(errors) &&
                errors.every((message) => typeof message === 'string');
          if (!onTheField) failures.push(`${what} → ${response.status} ${response.text}`);
        }
        // The control: a good value is not refused on this field.
        const good = field.in === 'body' ? null : String(field.schema.minimum ?? 1);
        if (good !== null) {
          const { path, init } = badRequest(operation, field, good, false);
          const response = await hostpass.api(path, init);
          expect(
            errorsAt(response.body, field),
            `${operation.path} ${fieldName(field)}`,
          ).toBeUndefined();
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
