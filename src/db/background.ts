import { AsyncLocalStorage } from 'node:async_hooks';

const lane = new AsyncLocalStorage<'backlog'>();

/**
 * Runs `work`, and everything it starts, as backlog work: work that only catches up (a fleet's
 * meeting syncs), which nobody waits for. On the embedded store, whose one connection every
 * statement of the process queues for, its statements yield to everyone else's (see pglite.ts).
 */
export const asBacklog = <T>(work: () => T): T => lane.run('backlog', work);

export const isBacklog = (): boolean => lane.getStore() === 'backlog';
