import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Database } from './database.ts';

/** How long a lost LISTEN connection waits before connecting again. */
const RECONNECT_MS = 1_000;
/** The payloads of a listener's own proofs that it hears (verifyEveryMs); never passed on. */
const PROBE_PREFIX = 'hostpass-probe:';

/** What a listener is told; a bare function is `onNotify`. */
export interface NotificationHandlers {
  /** Each NOTIFY on the channel, with its payload. */
  onNotify: (payload: string) => void;
  /**
   * Notifications are heard: at start, and again after each reconnection. Whatever was notified
   * while not listening is gone, so look now. Default: `onNotify('')`.
   */
  onListening?: () => void;
  /** The connection was lost (or stopped hearing): nothing is heard until the next `onListening`. */
  onLost?: () => void;
  /**
   * PostgreSQL: prove every this-many ms that notifications arrive (one NOTIFY sent through the
   * pool must come back within that time), and count as lost when one does not: a connection
   * that died without a word, or a pooler in transaction mode (PgBouncer), which does not carry
   * LISTEN. `onListening` then waits for the first proof.
   */
  verifyEveryMs?: number;
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
    verifyEveryMs,
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
  /** The current connection's next probe, or the deadline of the one awaited. */
  let probeTimer: NodeJS.Timeout | undefined;
  const connect = async () => {
    const next = new pg.Client({
      ...native.pool.options,
      application_name: `hostpass-listen-${channel}`,
      keepAlive: true,
    });
    let verified = false;
    /** The probe awaited (none between probes). */
    let awaited: string | undefined;
    const lost = () => {
      if (client !== next) return;
      client = undefined;
      clearTimeout(probeTimer);
      next.end().catch(() => {});
      onLost?.();
      if (!stopped) retry = setTimeout(() => void connect(), RECONNECT_MS);
    };
    /** Sends a probe, and counts the connection lost if it is not heard within `within` ms. */
    const sendProbe = (within: number) => {
      awaited = `${PROBE_PREFIX}${randomUUID()}`;
      probeTimer = setTimeout(lost, within).unref();
      native.pool.query('SELECT pg_notify($1, $2)', [channel, awaited]).catch(() => {});
    };
    const heard = (payload: string) => {
      if (verifyEveryMs === undefined || payload !== awaited) return;
      awaited = undefined;
      clearTimeout(probeTimer);
      if (!verified) {
        verified = true;
        onListening();
      }
      probeTimer = setTimeout(() => sendProbe(verifyEveryMs), verifyEveryMs).unref();
    };
    next.on('error', lost);
    next.on('end', lost);
    next.on('notification', (message) => {
      if (message.channel !== channel) return;
      const payload = message.payload ?? '';
      if (payload.startsWith(PROBE_PREFIX)) heard(payload);
      else onNotify(payload);
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (client !== next) return;
      if (verifyEveryMs === undefined) onListening();
      else sendProbe(verifyEveryMs);
    } catch {
      lost();
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    clearTimeout(probeTimer);
    const current = client;
    client = undefined;
    await current?.end().catch(() => {});
  };
}
