import pg from 'pg';
import type { Database } from './database.ts';

/** How long a lost LISTEN connection waits before connecting again. */
const RECONNECT_MS = 1_000;

/** What a listener is told; a bare function is `onNotify`. */
export interface NotificationHandlers {
  /** Each NOTIFY on the channel, with its payload. */
  onNotify: (payload: string) => void;
  /**
   * LISTEN took effect: at start, and again after each reconnection. Whatever was notified while
   * not listening is gone, so look now. Default: `onNotify('')`.
   */
  onListening?: () => void;
  /** The connection was lost: nothing is heard until the next `onListening`. */
  onLost?: () => void;
}

/**
 * Calls `onNotify` for each NOTIFY on `channel` (sent by any process, delivered when its
 * transaction commits). PostgreSQL: a connection of its own, outside the pool, reconnected when
 * lost (callers must not rely on notifications alone: one sent while it was down is gone).
 * PGlite: its in-process listener, which cannot be lost. Returns a function that stops listening.
 */
export async function listenForNotifications(
  db: Database,
  channel: string,
  handlers: NotificationHandlers | ((payload: string) => void),
): Promise<() => Promise<void>> {
  const {
    onNotify,
    onListening = () => onNotify(''),
    onLost,
  } = typeof handlers === 'function' ? { onNotify: handlers } : handlers;
  const native = db.native;
  if (native.engine === 'pglite') {
    const unlisten = await native.pglite.listen(channel, onNotify);
    onListening();
    return unlisten;
  }

  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    const next = new pg.Client({
      ...native.pool.options,
      application_name: `hostpass-listen-${channel}`,
      // A connection that died without a word (a dropped network path) is noticed, not trusted.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    const lost = () => {
      if (client !== next) return;
      client = undefined;
      next.end().catch(() => {});
      onLost?.();
      if (!stopped) retry = setTimeout(() => void connect(), RECONNECT_MS);
    };
    next.on('error', lost);
    next.on('end', lost);
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (client === next) onListening();
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
