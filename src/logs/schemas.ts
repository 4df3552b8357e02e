import { type Static, Type } from 'typebox';
import { listQueryProperties } from '../http/pagination.ts';
import { Timestamp, Uuid } from '../http/schemas.ts';

/** The API caps log messages at 2,000 characters. */
export const MAX_LOG_MESSAGE_LENGTH = 2000;

export const LogLevel = Type.Enum(['info', 'warning', 'error']);
export type LogLevel = Static<typeof LogLevel>;

/**
 * App logs and credential logs are one shape, written once: an entry, and the field naming what it
 * is about (`oauth_app`, `credential`), which is also the list's filter.
 */
export function logSchemas<Subject extends string>(subject: Subject) {
  const subjectField = { [subject]: Uuid } as Record<Subject, typeof Uuid>;
  const entry = Type.Object({
    id: Uuid,
    ...subjectField,
    level: LogLevel,
    message: Type.String({ maxLength: MAX_LOG_MESSAGE_LENGTH }),
    created_at: Timestamp,
  });
  const subjectFilter = { [subject]: Type.Optional(Uuid) } as Record<
    Subject,
    ReturnType<typeof Type.Optional<typeof Uuid>>
  >;
  const listQuery = Type.Object({
    ...listQueryProperties(['created_at', '-created_at']),
    ...subjectFilter,
    created_at_after: Type.Optional(Timestamp),
    created_at_before: Type.Optional(Timestamp),
  });
  return { entry, listQuery };
}
