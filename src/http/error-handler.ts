import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AuthenticationError,
  BadGatewayError,
  BadRequestError,
  type FieldErrors,
  NotFoundError,
  PermissionDeniedError,
  UnsupportedMediaTypeError,
  UpstreamUnavailableError,
  ValidationError,
} from '../errors.ts';
import { plural } from '../plural.ts';
import { unsupportedMediaTypeError } from './json-body.ts';

/** Route option: fields a client may see but never write (PATCH of one → "read-only"). */
declare module 'fastify' {
  interface FastifyContextConfig {
    readOnlyFields?: readonly string[];
  }
}

interface SchemaViolation {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

type ErrorBody = Record<string, unknown>;

export function installErrorHandlers(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not found.' }));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof UpstreamUnavailableError)
      reply.header('retry-after', String(error.retryAfterSeconds));
    const { status, body } = describeError(error, request, bodyLimitBytes);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(reply, status, body);
  });
}

/**
 * Errors Fastify meets before routing (the `frameworkErrors` server option), in the API's shape
 * too: a path that is not valid percent-encoding, or with a segment over the router's limit.
 */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return sendError(reply, 414, { detail: 'A segment of the path is too long.' });
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendError(reply, 400, {
      detail: 'Malformed request - the path is not valid percent-encoding.',
    });
  }
  return sendError(reply, 500, { detail: 'Internal server error.' });
}

function sendError(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  // Error bodies never go through a route's response schema, which describes success only.
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .serializer(JSON.stringify)
    .send(body);
}

function describeError(
  error: FastifyError,
  request: FastifyRequest,
  bodyLimitBytes: number,
): { status: number; body: ErrorBody } {
  if (error instanceof NotFoundError) {
    return { status: 404, body: { detail: error.message, ...error.extra } };
  }
  if (error instanceof BadRequestError) {
    return { status: 400, body: { detail: error.message, ...error.extra } };
  }
  if (error instanceof ValidationError) return { status: 400, body: error.fields };
  if (error instanceof AuthenticationError) return { status: 401, body: { detail: error.message } };
  if (error instanceof PermissionDeniedError)
    return { status: 403, body: { detail: error.message } };
  if (error instanceof UnsupportedMediaTypeError)
    return { status: 415, body: { detail: error.message } };
  if (error instanceof UpstreamUnavailableError) {
    return { status: 503, body: { detail: error.message } };
  }
  if (error instanceof BadGatewayError) {
    return { status: 502, body: { detail: error.message, ...error.extra } };
  }

  if (error.validation) {
    // A malformed id in the path names no resource: that is "not found", never a 500 or 400.
    if (error.validationContext === 'params')
      return { status: 404, body: { detail: 'Not found.' } };
    const source = error.validationContext === 'querystring' ? request.query : request.body;
    const readOnly = request.routeOptions.config.readOnlyFields ?? [];
    return {
      status: 400,
      body: fieldErrorsFrom(error.validation as SchemaViolation[], source, readOnly),
    };
  }

  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: { detail: `Request body is larger than the ${formatBytes(bodyLimitBytes)} limit.` },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      // A Content-Type header that does not parse; unparsed types are answered in json-body.ts.
      return {
        status: 415,
        body: { detail: unsupportedMediaTypeError(request.headers['content-type'], '').message },
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { detail: 'JSON parse error - the body is empty.' } };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: { detail: `JSON parse error - ${error.message}` } };
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return { status: 400, body: { detail: `Malformed request - ${error.message}` } };
  }
  // PostgreSQL's "data exception" class: a value that passed validation but the database refuses
  // (a year 0, an offset out of range). It names the request's fault, not the server's.
  if (typeof error.code === 'string' && /^22[0-9A-Z]{3}$/.test(error.code)) {
    return {
      status: 400,
      body: { detail: 'A value in the request is out of range or malformed.' },
    };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, body: { detail: error.message } };
  return { status: 500, body: { detail: 'Internal server error.' } };
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : plural(bytes, 'byte');
}

/** Turns JSON-schema violations into DRF's `{"field": ["message"]}`, nested for nested fields. */
export function fieldErrorsFrom(
  violations: readonly SchemaViolation[],
  source: unknown,
  readOnlyFields: readonly string[],
): FieldErrors {
  const errors: FieldErrors = {};
  for (const violation of violations) {
    const path = violation.instancePath.split('/').filter(Boolean);
    const described = describeViolation(violation, valueAt(source, path), readOnlyFields);
    if (!described) continue;
    const fieldPath = described.field ? [...path, described.field] : path;
    addFieldError(
      errors,
      fieldPath.length > 0 ? fieldPath : ['non_field_errors'],
      described.message,
    );
  }
  return Object.keys(errors).length > 0 ? errors : { non_field_errors: ['Invalid input.'] };
}

function describeViolation(
  violation: SchemaViolation,
  value: unknown,
  readOnlyFields: readonly string[],
): { field?: string; message: string } | null {
  const { keyword, params } = violation;
  switch (keyword) {
    case 'required':
      return { field: String(params.missingProperty), message: 'This field is required.' };
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      return {
        field,
        message: readOnlyFields.includes(field)
          ? 'This field is read-only and cannot be changed.'
          : 'Unknown field.',
      };
    }
    case 'maxLength':
      return { message: `Ensure this field has no more than ${params.limit} characters.` };
    case 'minLength':
      return {
        message:
          params.limit === 1
            ? 'This field may not be blank.'
            : `Ensure this field has at least ${params.limit} characters.`,
      };
    case 'enum':
      return {
        message: `"${String(value)}" is not a valid choice. Choose one of: ${(params.allowedValues as unknown[]).join(', ')}.`,
      };
    case 'format':
      return { message: formatMessage(String(params.format)) };
    case 'minimum':
      return { message: `Ensure this value is greater than or equal to ${params.limit}.` };
    case 'maximum':
      return { message: `Ensure this value is less than or equal to ${params.limit}.` };
    case 'type':
      return { message: typeMessage(String(params.type)) };
    case 'anyOf':
    case 'oneOf':
    case 'if':
      // The branch errors that come with these already say what is wrong.
      return null;
    default:
      return { message: violation.message ?? 'Invalid value.' };
  }
}

function formatMessage(format: string): string {
  if (format === 'date-time')
    return 'Enter a valid date/time in ISO 8601 format, e.g. 2024-04-24T06:38:38Z.';
  if (format === 'uuid') return 'Must be a valid UUID.';
  if (format === 'uri') return 'Enter a valid URL.';
  return `Enter a valid ${format}.`;
}

function typeMessage(type: string): string {
  if (type === 'integer') return 'A valid integer is required.';
  if (type === 'number') return 'A valid number is required.';
  if (type === 'object') return 'Must be an object.';
  if (type === 'boolean') return 'Must be a valid boolean.';
  if (type === 'array') return 'Expected a list of items.';
  return 'Not a valid string.';
}

function valueAt(source: unknown, path: readonly string[]): unknown {
  let current = source;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function addFieldError(errors: FieldErrors, path: readonly string[], message: string): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    const existing = errors[head];
    if (Array.isArray(existing)) {
      if (!existing.includes(message)) existing.push(message);
    } else {
      errors[head] = [message];
    }
    return;
  }
  const nested = errors[head];
  const child: FieldErrors = nested && !Array.isArray(nested) ? nested : {};
  errors[head] = child;
  addFieldError(child, rest, message);
}
