/**
 * Errors that services raise at their edges. Each names what went wrong for the client; the
 * HTTP layer maps them to status codes in one place (http/error-handler.ts).
 */
export type FieldErrors = { [field: string]: string[] | FieldErrors };

/** An error whose answer is `{"detail": message}` plus extra fields (a `code` to branch on). */
abstract class ErrorWithExtra extends Error {
  readonly extra: Record<string, unknown>;
  constructor(message: string, extra: Record<string, unknown>) {
    super(message);
    this.extra = extra;
  }
}

export class NotFoundError extends ErrorWithExtra {
  constructor(message = 'Not found.', extra: Record<string, unknown> = {}) {
    super(message, extra);
    this.name = 'NotFoundError';
  }
}

/** A request the client must change: `{"detail": …}` plus any extra fields (400). */
export class BadRequestError extends ErrorWithExtra {
  constructor(detail: string, extra: Record<string, unknown> = {}) {
    super(detail, extra);
    this.name = 'BadRequestError';
  }
}

/** Per-field problems: `{"field": ["message"]}` (400). */
export class ValidationError extends Error {
  readonly fields: FieldErrors;
  constructor(fields: FieldErrors) {
    super('Invalid input.');
    this.name = 'ValidationError';
    this.fields = fields;
  }
}

export function fieldError(field: string, message: string): ValidationError {
  return new ValidationError({ [field]: [message] });
}

export class AuthenticationError extends Error {
  constructor(message = 'Invalid token.') {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** A body the API cannot read: its Content-Type is missing or not one it takes (415). */
export class UnsupportedMediaTypeError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'UnsupportedMediaTypeError';
  }
}

export class PermissionDeniedError extends Error {
  constructor(message = 'You do not have permission to perform this action.') {
    super(message);
    this.name = 'PermissionDeniedError';
  }
}

/** A dependency (Zoom, a customer's callback URL) failed in a way worth retrying (503). */
export class UpstreamUnavailableError extends Error {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 5) {
    super(message);
    this.name = 'UpstreamUnavailableError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A dependency answered, but not in a shape Hostpass can use (502, with a code). */
export class BadGatewayError extends ErrorWithExtra {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message, extra);
    this.name = 'BadGatewayError';
  }
}

/** What went wrong, in words, for a log line or a stored reason; anything can be thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
