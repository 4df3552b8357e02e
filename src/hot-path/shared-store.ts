import type { Database } from '../db/database.ts';
import { listenForNotifications } from '../db/notifications.ts';
import { createWriteCounters, isWatched, type WriteVersions, watchWrites } from './write-watch.ts';

/**
 * The channel of migration 031's triggers: every statement that writes a table the hot path
 * reads NOTIFYs it with the table's name, delivered when (and only if) its transaction commits.
 */
const HOT_PATH_CHANNEL = 'hostpass_hot_path';

/**
 * How often the listening connection proves that it hears: a connection lost without a word is
 * noticed within twice this (and the cache bypassed from then on). It bounds how long a token
 * URL revoked on another process could still be served when the network drops the connection
 * silently; one notifying commit a second costs nothing measurable.
 */
const VERIFY_EVERY_MS = 1_000;

/**
 * The hot path's write versions on a PostgreSQL that other processes share: this process's own
 * writes through its write watch (so it reads its own writes at once), every process's writes
 * (its own, the CLI's, an operator's psql) as the triggers' notifications. While the listening
 * connection is down (or not proven to hear) nothing may be cached (versionOf answers null): a
 * notification sent then is lost, so everything is dropped when it is lost and again once it
 * hears anew.
 */
export async function listenForWrites(
  db: Database,
): Promise<{ db: Database; versions: WriteVersions; stop: () => Promise<void> }> {
  const counters = createWriteCounters();
  const watched = watchWrites(db, counters);
  let listening = false;
  const stop = await listenForNotifications(db, HOT_PATH_CHANNEL, {
    onNotify: (table) => (isWatched(table) ? counters.bump(table) : counters.bumpAll()),
    onListening: () => {
      counters.bumpAll();
      listening = true;
    },
    onLost: () => {
      listening = false;
      counters.bumpAll();
    },
    verifyEveryMs: VERIFY_EVERY_MS,
  });
  return {
    db: watched.db,
    versions: { versionOf: (tables) => (listening ? counters.versionOf(tables) : null) },
    stop,
  };
}
