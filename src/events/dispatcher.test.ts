import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startDispatcher } from './dispatcher.ts';
import type { PendingDelivery } from './store.ts';

describe('startDispatcher', () => {
  it('stop waits for a claim still out, and for the attempts it starts, before resolving', async () => {
    let releaseClaim: (deliveries: PendingDelivery[]) => void = () => {};
    const claimOut = new Promise<PendingDelivery[]>((resolve) => {
      releaseClaim = resolve;
    });
    const events: string[] = [];
    let claims = 0;
    const dispatcher = startDispatcher({
      claimDue: () => {
        claims += 1;
        return claims === 1 ? claimOut : Promise.resolve([]);
      },
      deliver: async (delivery) => {
        events.push(`attempt ${delivery.id} started`);
        await new Promise((resolve) => setImmediate(resolve));
        events.push(`attempt ${delivery.id} recorded`);
      },
      concurrency: 4,
      pollMs: 60_000,
      logger: pino({ level: 'silent' }),
    });
    const stopped = dispatcher.stop().then(() => events.push('stopped'));
    // The claim the dispatcher made at start answers only now, after stop was called.
    releaseClaim([{ id: 'claimed-while-stopping' } as PendingDelivery]);
    await stopped;
    expect(events).toEqual([
      'attempt claimed-while-stopping started',
      'attempt claimed-while-stopping recorded',
      'stopped',
    ]);
  });
});
