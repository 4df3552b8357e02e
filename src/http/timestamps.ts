import type { FastifyInstance } from 'fastify';

/**
 * Every timestamp in an API answer in one format: RFC 3339 in UTC with milliseconds
 * (`2024-04-24T06:38:38.879Z`), whether it came from PostgreSQL (microseconds, which the
 * keyset cursors keep) or from a JavaScript Date. Which fields are timestamps is read from the
 * route's response schema (`format: date-time`), so no string of the client's (bot metadata,
 * say) is ever rewritten.
 */
export function installTimestampFormat(app: FastifyInstance): void {
  const compiled = new WeakMap<object, Normalizer | null>();
  // A callback, not an async function: it runs on every answer, and a promise per answer costs.
  app.addHook('preSerialization', (request, reply, payload: unknown, done) => {
    const schema = responseSchema(request.routeOptions.schema?.response, reply.statusCode);
    if (schema === null) return done(null, payload);
    let normalize = compiled.get(schema);
    if (normalize === undefined) {
      normalize = compileNormalizer(schema);
      compiled.set(schema, normalize);
    }
    done(null, normalize === null ? payload : normalize(payload));
  });
}

type Normalizer = (value: unknown) => unknown;

const DATABASE_TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/;

/** One timestamp in the API's format; anything that is not a timestamp is left as it is. */
export function formatTimestamp(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'string') return value;
  const match = DATABASE_TIMESTAMP.exec(value);
  // Cut, never rounded: .999999 stays in its second.
  if (match) return `${match[1]}.${(match[2] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString();
}

function responseSchema(responses: unknown, status: number): object | null {
  if (!isRecord(responses)) return null;
  const schema =
    responses[String(status)] ?? responses[`${String(status)[0]}xx`] ?? responses.default;
  return isRecord(schema) ? schema : null;
}

/** A function that formats the timestamps a schema describes, or null if it describes none. */
function compileNormalizer(schema: unknown): Normalizer | null {
  if (!isRecord(schema)) return null;
  if (schema.format === 'date-time') return formatTimestamp;
  const normalizers: Normalizer[] = [];
  // A value matches one branch of a union; each normalizer leaves other shapes alone.
  for (const branch of [schema.anyOf, schema.oneOf, schema.allOf].flat()) {
    const normalize = compileNormalizer(branch);
    if (normalize) normalizers.push(normalize);
  }
  const items = compileNormalizer(schema.items);
  if (items)
    normalizers.push((value) => {
      if (!Array.isArray(value)) return value;
      let copy: unknown[] | null = null;
      for (const [index, item] of value.entries()) {
        const normalized = items(item);
        if (normalized === item) continue;
        copy ??= [...value];
        copy[index] = normalized;
      }
      return copy ?? value;
    });
  const object = compileObjectNormalizer(schema);
  if (object) normalizers.push(object);
  if (normalizers.length === 0) return null;
  return (value) => normalizers.reduce((current, normalize) => normalize(current), value);
}

function compileObjectNormalizer(schema: Record<string, unknown>): Normalizer | null {
  const named = new Map<string, Normalizer>();
  if (isRecord(schema.properties)) {
    for (const [key, property] of Object.entries(schema.properties)) {
      const normalize = compileNormalizer(property);
      if (normalize) named.set(key, normalize);
    }
  }
  const patterns = isRecord(schema.patternProperties)
    ? Object.values(schema.patternProperties)
    : [];
  const others = [...patterns, schema.additionalProperties]
    .map(compileNormalizer)
    .find((normalize) => normalize !== null);
  if (named.size === 0 && !others) return null;
  const namedKeys = [...named.keys()];
  // Copied only when a timestamp changes (answers made here are mostly in the format already).
  return (value) => {
    if (!isRecord(value) || Array.isArray(value)) return value;
    let copy: Record<string, unknown> | null = null;
    for (const key of others ? Object.keys(value) : namedKeys) {
      if (!Object.hasOwn(value, key)) continue;
      const normalize = named.get(key) ?? others;
      const item = value[key];
      const normalized = normalize ? normalize(item) : item;
      if (normalized === item) continue;
      copy ??= { ...value };
      copy[key] = normalized;
    }
    return copy ?? value;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
