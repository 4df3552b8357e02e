import { AjvCompiler, type ErrorObject, type ValidatorFactory } from '@fastify/ajv-compiler';

/**
 * Fastify's Ajv validators, plus one rule Ajv misses: every number must be finite. Ajv coerces a
 * query or body string to a number when `"…" == +"…"`, which holds for "Infinity", "-Infinity"
 * and "1e400", and does not check the type again afterwards; its number keywords (minimum,
 * maximum) then skip a value that is not finite. So a bounded integer field would take Infinity
 * and carry it into SQL or date arithmetic. The check runs once per validated request part, on
 * what Ajv left there.
 */
export function finiteNumbersValidatorFactory(): ValidatorFactory {
  const buildAjvCompiler = AjvCompiler();
  return (externalSchemas, options) => {
    const compile = buildAjvCompiler(externalSchemas, options);
    return (route) => {
      const validate = compile(route);
      let errors: ErrorObject[] | null = null;
      const checked = (...args: Parameters<typeof validate>) => {
        const valid = validate(...args);
        errors = validate.errors ?? null;
        if (valid !== true) return valid;
        const path = nonFinitePath(args[0]);
        if (path === null) return true;
        // Not a number at all, as far as the client is concerned: the same answer as for "abc".
        const type = declaredType(validate.schema, path) === 'integer' ? 'integer' : 'number';
        errors = [
          {
            keyword: 'type',
            instancePath: path,
            schemaPath: '#',
            params: { type },
            message: `must be ${type}`,
          },
        ];
        return false;
      };
      // Ajv's function with one more rule, and what Fastify reads from it: its environment (for
      // the parent data) and, after a call, its `errors`. Ajv's type guard cannot be restated.
      return Object.defineProperties(checked as typeof validate, {
        schema: { value: validate.schema },
        schemaEnv: { value: validate.schemaEnv },
        errors: { get: () => errors, set: (value: ErrorObject[] | null) => (errors = value) },
      });
    };
  };
}

/**
 * The JSON pointer of the first number in `value` that is not finite, or null. Every validated
 * request part passes here: the pointer is built only on the way back from a find.
 */
export function nonFinitePath(value: unknown): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : '';
  if (typeof value !== 'object' || value === null) return null;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const found = nonFinitePath((value as Record<string, unknown>)[key]);
    if (found !== null) return `/${key}${found}`;
  }
  return null;
}

/** The `type` a schema declares at a JSON pointer (through properties, records and arrays). */
function declaredType(schema: unknown, pointer: string): unknown {
  let current = schema;
  for (const key of pointer.split('/').slice(1)) {
    if (typeof current !== 'object' || current === null) return undefined;
    const node = current as {
      properties?: Record<string, unknown>;
      additionalProperties?: unknown;
      items?: unknown;
    };
    current = node.properties?.[key] ?? node.items ?? node.additionalProperties;
  }
  return typeof current === 'object' && current !== null && 'type' in current
    ? current.type
    : undefined;
}
