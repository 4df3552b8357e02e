import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './config.ts';

/**
 * Paths pino blanks out wherever they appear in a log line. Hostpass never logs request bodies,
 * but anything that might carry a secret is listed so that a future log line cannot leak one.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.client_secret',
  '*.webhook_secret',
  '*.access_token',
  '*.refresh_token',
  '*.api_key',
  '*.key',
  '*.token',
  '*.code',
  '*.code_verifier',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'hostpass' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
