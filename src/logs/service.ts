import type { LogStore } from './store.ts';

export type { LogLevel } from './store.ts';

/**
 * A log of one kind of subject (apps, credentials) as the features that write it hold it: entries
 * written in the caller's transaction when it passes one, listed in the API's shape. The
 * composition root builds one per subject; no other feature reaches the store itself.
 */
export type LogService<Subject extends string = string> = Pick<
  LogStore<Subject>,
  'insert' | 'list'
>;
