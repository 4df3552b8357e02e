import { AsyncLocalStorage } from 'node:async_hooks';

const lane = new AsyncLocalStorage<'background'>();

/**
 * Runs `work`, and everything it starts (timers, polling loops, the handlers they call), as
 * background work: on the embedded store, whose one connection every statement of the process
 * queues for, statements of work someone waits on (requests) go first (see pglite.ts).
 */
export const inBackground = <T>(work: () => T): T => lane.run('background', work);

export const isBackground = (): boolean => lane.getStore() === 'background';
