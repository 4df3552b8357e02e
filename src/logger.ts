import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './config.ts';

/**
 * Paths pino blanks out wherever they appear in a log line. Hostpass never logs request bodies,
 * but anything that might carry a secret is listed so that a future log line cannot leak one.
 */
const SECRET_KEYS = [
  'client_secret',
  'webhook_secret',
  'access_token',
  'refresh_token',
  'api_key',
  'key',
  'token',
  'code',
  'code_verifier',
];
/** Secret fields, at the top of a log object as well as one level in (`*.x` matches only nested). */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
];

/**
 * The one way errors are logged: `logger.warn({ err: error }, '…')`. Database drivers attach the
 * failing SQL and its bound values to errors: keep those out of logs. A thrown non-Error is
 * logged as its text.
 */
function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const {
    query: _query,
    params: _params,
    queryOptions: _options,
    ...rest
  } = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  return rest;
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      base: { service: 'hostpass' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
