import pg from 'pg';
import type { Database } from './database.ts';

/** How long a lost LISTEN connection waits before connecting again. */
const RECONNECT_MS = 1_000;

/**
 * Calls `onNotify` for each NOTIFY on `channel` (sent by any process, delivered when its
 * transaction commits). PostgreSQL: a connection of its own, outside the pool, reconnected when
 * lost (callers must not rely on notifications alone: one sent while it was down is gone).
 * PGlite: its in-process listener. Returns a function that stops listening.
 */
export async function listenForNotifications(
  db: Database,
  channel: string,
  onNotify: () => void,
): Promise<() => Promise<void>> {
  const native = db.native;
  if (native.engine === 'pglite') return native.pglite.listen(channel, onNotify);

  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    const next = new pg.Client({ ...native.pool.options, application_name: 'hostpass-listen' });
    const lost = () => {
      if (client !== next) return;
      client = undefined;
      next.end().catch(() => {});
      if (!stopped) retry = setTimeout(() => void connect(), RECONNECT_MS);
    };
    next.on('error', lost);
    next.on('end', lost);
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify();
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      // Whatever was notified while not listening: look now.
      onNotify();
    } catch {
      lost();
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const current = client;
    client = undefined;
    await current?.end().catch(() => {});
  };
}
