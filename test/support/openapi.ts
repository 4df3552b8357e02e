import { randomUUID } from 'node:crypto';
import type { ApiRequest, ApiResponse } from './hostpass.ts';

/** Just enough of JSON Schema and OpenAPI 3.1 to walk Hostpass's own document. */
export interface Schema {
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
}

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  /** The path template, e.g. `/api/v2/zoom-oauth-apps/{id}/`. */
  path: string;
  parameters: Parameter[];
  body: Schema | null;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: unknown }>>;
}

/** Every operation of the document, with its parameters and its JSON body schema. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const content = (operation.requestBody as { content?: Record<string, { schema: Schema }> })
        ?.content;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        body: content?.['application/json']?.schema ?? null,
      });
    }
  }
  return operations;
}

const isNumeric = (schema: Schema) =>
  [schema.type].flat().some((type) => type === 'integer' || type === 'number');

/** Where a number goes in a request: a query or path parameter, or a body field (by path). */
export type NumericField =
  | { in: 'query' | 'path'; name: string; schema: Schema }
  | { in: 'body'; path: string[]; schema: Schema };

export function numericFieldsOf(operation: Operation): NumericField[] {
  const fields: NumericField[] = operation.parameters
    .filter((parameter) => parameter.in !== 'header' && isNumeric(parameter.schema))
    .map((parameter) => ({
      in: parameter.in as 'query' | 'path',
      name: parameter.name,
      schema: parameter.schema,
    }));
  const walk = (schema: Schema, path: string[]) => {
    if (isNumeric(schema)) fields.push({ in: 'body', path, schema });
    for (const [key, property] of Object.entries(schema.properties ?? {}))
      walk(property, [...path, key]);
    for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) walk(branch, path);
  };
  if (operation.body) walk(operation.body, []);
  return fields;
}

/** The smallest value a schema accepts (ids are random: a request passes validation, no more). */
export function exampleOf(schema: Schema): unknown {
  const branch = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (branch) return exampleOf(branch);
  if (schema.enum) return schema.enum[0];
  const type = [schema.type].flat()[0];
  switch (type) {
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => exampleOf(schema.items ?? {}));
    case 'object':
      return Object.fromEntries(
        (schema.required ?? []).map((key) => [key, exampleOf(schema.properties?.[key] ?? {})]),
      );
    case 'string':
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'uri') return 'https://customer.example/return';
      if (schema.format === 'date-time') return '2030-01-01T00:00:00.000Z';
      return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
    default:
      return 'x';
  }
}

/** A request to `operation` with the minimal valid input, `change` applied to it. */
export function requestFor(
  operation: Operation,
  change: { query?: Record<string, string>; path?: Record<string, string>; body?: unknown } = {},
): { path: string; init: ApiRequest } {
  const pathValues: Record<string, string> = {};
  const query = new URLSearchParams();
  for (const parameter of operation.parameters) {
    if (parameter.in === 'path') pathValues[parameter.name] = String(exampleOf(parameter.schema));
    if (parameter.in === 'query' && parameter.required)
      query.set(parameter.name, String(exampleOf(parameter.schema)));
  }
  Object.assign(pathValues, change.path);
  for (const [name, value] of Object.entries(change.query ?? {})) query.set(name, value);
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(pathValues[name] ?? ''),
  );
  const search = query.size > 0 ? `?${query}` : '';
  const init: ApiRequest = { method: operation.method };
  const body =
    'body' in change ? change.body : operation.body ? exampleOf(operation.body) : undefined;
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  return { path: `${path}${search}`, init };
}

/** `value` with `path` set to `leaf` (a copy; objects on the way are created). */
export function withValueAt(value: unknown, path: readonly string[], leaf: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return leaf;
  const object = typeof value === 'object' && value !== null ? value : {};
  return {
    ...object,
    [head]: withValueAt((object as Record<string, unknown>)[head], rest, leaf),
  };
}

/** Field errors in Django REST framework's shape: `{"field": ["message", …]}`, nested for objects. */
function isFieldErrors(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const entries = Object.entries(body);
  return (
    entries.length > 0 &&
    entries.every(([, value]) =>
      Array.isArray(value)
        ? value.length > 0 && value.every((message) => typeof message === 'string' && message)
        : isFieldErrors(value),
    )
  );
}

/** A 4xx in the API's error format: `{"detail": "…", …}` or DRF field errors. */
export function isDrfErrorBody(response: ApiResponse): boolean {
  const body: unknown = response.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  if ('detail' in body) return typeof body.detail === 'string' && body.detail.length > 0;
  return isFieldErrors(body);
}
