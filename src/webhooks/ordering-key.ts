import { Type } from 'typebox';
import { Compile } from 'typebox/compile';

// Zoom's events are applied one at a time per key (the FIFO queue in processor.ts): the events of
// one meeting, or of one user, in the order they arrived; unrelated events in parallel.

const isIdentified = Compile(Type.Object({ id: Type.Optional(Type.Unknown()) }));

/** The queue key that keeps one meeting's (or one user's) events in order. */
export function orderingKey(event: {
  event: string;
  id: string;
  oauth_app_id: string;
  payload: Record<string, unknown>;
}): string {
  return objectOrderingKey(event) ?? `${event.oauth_app_id}:event:${event.id}`;
}

/** The meeting's or user's part of orderingKey; null for an event about neither. */
export function objectOrderingKey(event: {
  event: string;
  oauth_app_id: string;
  payload: Record<string, unknown>;
}): string | null {
  const object = isIdentified.Check(event.payload.object) ? event.payload.object : undefined;
  // Webinar ids share the meetings' number space and table: one key keeps their order too.
  if (
    (event.event.startsWith('meeting.') || event.event.startsWith('webinar.')) &&
    object?.id !== undefined
  )
    return `${event.oauth_app_id}:meeting:${String(object.id)}`;
  if (event.event.startsWith('user.') && object?.id !== undefined)
    return `${event.oauth_app_id}:user:${String(object.id)}`;
  return null;
}
