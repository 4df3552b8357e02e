import { AsyncLocalStorage } from 'node:async_hooks';

const lane = new AsyncLocalStorage<'backlog'>();

/**
 * Whether this process opened a store that gives backlog work its own lane (PGlite). Until one
 * does, `asBacklog` runs the work as it is: on Node 22 the first `lane.run` installs promise
 * hooks that every promise of the process pays for from then on (a token request makes dozens),
 * for nothing on PostgreSQL, which reads no lane.
 */
let laneRead = false;

/** Called by the store that reads the lane (pglite.ts), before any work runs on it. */
export const readBacklogLane = (): void => {
  laneRead = true;
};

/**
 * Runs `work`, and everything it starts, as backlog work: work that only catches up (a fleet's
 * meeting syncs), which nobody waits for. On the embedded store, whose one connection every
 * statement of the process queues for, its statements yield to everyone else's (see pglite.ts).
 */
export const asBacklog = <T>(work: () => T): T => (laneRead ? lane.run('backlog', work) : work());

export const isBacklog = (): boolean => lane.getStore() === 'backlog';
