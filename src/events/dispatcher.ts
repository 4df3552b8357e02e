import type { Logger } from 'pino';
import type { PendingDelivery } from './store.ts';

export interface DispatcherDeps {
  /** Claims up to `limit` due deliveries for this process. */
  claimDue(limit: number): Promise<PendingDelivery[]>;
  /** One attempt of a claimed delivery; records its outcome. */
  deliver(delivery: PendingDelivery): Promise<unknown>;
  /** Attempts in flight at most: most of their time is waiting on receivers. */
  concurrency: number;
  /**
   * How often it looks without being woken: retries falling due, deliveries of a process that
   * died mid-attempt (their claim ran out), a notification lost with its connection.
   */
  pollMs: number;
  logger: Logger;
}

export interface Dispatcher {
  /** Look for due deliveries now (a commit notified one, a retry is due at once). */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * Sends the outgoing events' deliveries of this process: woken by the NOTIFY of the
 * transaction that wrote them (no job per delivery, so the change that causes an event pays
 * for no queue), and by a short poll that sweeps up the rest.
 */
export function startDispatcher(deps: DispatcherDeps): Dispatcher {
  let inFlight = 0;
  let claiming = false;
  let again = false;
  let stopped = false;
  let scheduled = false;
  const attempts = new Set<Promise<void>>();

  /**
   * A claim after the current turn of the event loop: the request whose commit notified answers
   * first, and the slots that attempts free in the same turn are filled by one claim, not one each.
   */
  function schedule(): void {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void claim();
    });
  }

  /** The claim under way, if any: `stop` waits for it, and for the attempts it starts. */
  let claimRunning: Promise<void> | undefined;

  function claim(): Promise<void> {
    if (claiming) {
      again = true;
      return claimRunning ?? Promise.resolve();
    }
    claiming = true;
    claimRunning = claimDueDeliveries();
    return claimRunning;
  }

  async function claimDueDeliveries(): Promise<void> {
    try {
      do {
        again = false;
        const free = deps.concurrency - inFlight;
        if (free <= 0 || stopped) break;
        const claimed = await deps.claimDue(free);
        for (const delivery of claimed) start(delivery);
        // A full batch: more may be due.
        if (claimed.length === free) again = true;
      } while (again && !stopped);
    } catch (error) {
      deps.logger.error({ err: error }, 'outgoing events: claiming due deliveries failed');
    } finally {
      claiming = false;
      claimRunning = undefined;
    }
  }

  function start(delivery: PendingDelivery): void {
    inFlight += 1;
    const attempt: Promise<void> = deps
      .deliver(delivery)
      .then(() => undefined)
      .catch((error: unknown) => {
        // Its claim runs out and the delivery is attempted again (same webhook-id).
        deps.logger.error(
          { err: error, deliveryId: delivery.id },
          'outgoing events: a delivery attempt failed to complete',
        );
      })
      .finally(() => {
        inFlight -= 1;
        attempts.delete(attempt);
        // A slot is free, and a failed attempt may be due again at once.
        schedule();
      });
    attempts.add(attempt);
  }

  const poll = setInterval(() => void claim(), deps.pollMs);
  poll.unref();
  void claim();

  return {
    wake: schedule,
    async stop() {
      stopped = true;
      clearInterval(poll);
      // A claim still out when stopping starts what it claimed: those attempts finish here too,
      // before the store closes, rather than waiting out their lease for a second send.
      await claimRunning;
      await Promise.allSettled([...attempts]);
    },
  };
}
