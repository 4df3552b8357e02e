import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.ts';

interface Item {
  id: number;
  key?: string;
}

/** The event loop's next turn: when batches submitted to in this one start. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A batcher whose batches wait until released, recording what each batch held. */
function controlled(
  options: {
    maxBatch?: number;
    maxInFlight?: number;
    fail?: (items: readonly Item[]) => boolean;
  } = {},
) {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const batcher = createBatcher<Item, string>({
    maxBatch: options.maxBatch ?? 100,
    maxInFlight: options.maxInFlight ?? 1,
    orderKey: (item) => item.key ?? null,
    run: async (items) => {
      batches.push(items.map((item) => item.id));
      await new Promise<void>((resolve) => releases.push(resolve));
      if (options.fail?.(items)) throw new Error('batch failed');
      return items.map((item) => `done ${item.id}`);
    },
  });
  /** Lets every running batch finish, then gives the next ones their turn to start. */
  const releaseAll = async () => {
    for (const release of releases.splice(0)) release();
    await nextTurn();
    await nextTurn();
  };
  return { batcher, batches, releaseAll };
}

describe('createBatcher', () => {
  it('runs the items of one turn together at once when idle, and groups those that arrive meanwhile', async () => {
    const { batcher, batches, releaseAll } = controlled();
    // Requests that arrived together are handled in one turn (an embedded database may even
    // commit within it): their items go in one batch, started on the next turn.
    const first = [1, 2].map((id) => batcher.submit({ id }));
    expect(batches).toEqual([]);
    await nextTurn();
    expect(batches).toEqual([[1, 2]]);
    const later = [3, 4, 5].map((id) => batcher.submit({ id }));
    await nextTurn();
    expect(batches).toEqual([[1, 2]]);
    await releaseAll();
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    await releaseAll();
    expect(await Promise.all(first)).toEqual(['done 1', 'done 2']);
    expect(await Promise.all(later)).toEqual(['done 3', 'done 4', 'done 5']);
  });

  it('caps batches at maxBatch and runs up to maxInFlight at once', async () => {
    const { batcher, batches, releaseAll } = controlled({ maxBatch: 2, maxInFlight: 2 });
    const answers = [1, 2, 3, 4, 5, 6, 7].map((id) => batcher.submit({ id }));
    await nextTurn();
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    await releaseAll();
    expect(batches).toEqual([[1, 2], [3, 4], [5, 6], [7]]);
    await releaseAll();
    expect(await Promise.all(answers)).toEqual([1, 2, 3, 4, 5, 6, 7].map((id) => `done ${id}`));
  });

  it('never puts two items of one key in a batch, and keeps each key in submission order', async () => {
    const { batcher, batches, releaseAll } = controlled({ maxInFlight: 2 });
    const answers = [
      batcher.submit({ id: 1, key: 'a' }),
      batcher.submit({ id: 2, key: 'a' }),
      batcher.submit({ id: 3, key: 'b' }),
      batcher.submit({ id: 4, key: 'a' }),
      batcher.submit({ id: 5 }),
      batcher.submit({ id: 6 }),
    ];
    // One item of key a per batch, the first one waiting: 1, then 2, then 4; while a batch holds
    // key a, no other batch takes an item of it.
    await nextTurn();
    expect(batches).toEqual([[1, 3, 5, 6]]);
    await releaseAll();
    expect(batches).toEqual([[1, 3, 5, 6], [2]]);
    await releaseAll();
    expect(batches).toEqual([[1, 3, 5, 6], [2], [4]]);
    await releaseAll();
    expect(await Promise.all(answers)).toHaveLength(6);
  });

  it('runs the items of a failed batch again alone: only the bad one fails', async () => {
    const { batcher, batches, releaseAll } = controlled({
      fail: (items) => items.some((item) => item.id === 2),
    });
    const first = batcher.submit({ id: 1 });
    await nextTurn();
    const settled = Promise.allSettled([2, 3].map((id) => batcher.submit({ id })));
    for (let turn = 0; turn < 4; turn += 1) await releaseAll();
    expect(await first).toBe('done 1');
    expect((await settled).map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
    expect(batches).toEqual([[1], [2, 3], [2], [3]]);
    const after = batcher.submit({ id: 4 });
    await nextTurn();
    await releaseAll();
    expect(await after).toBe('done 4');
  });

  it('rejects every item when each fails alone too (e.g. the database is down)', async () => {
    const { batcher, releaseAll } = controlled({ fail: () => true });
    const settled = Promise.allSettled([1, 2, 3].map((id) => batcher.submit({ id })));
    for (let turn = 0; turn < 6; turn += 1) await releaseAll();
    const results = await settled;
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });

  it('rejects a batch whose run returns the wrong number of results', async () => {
    const batcher = createBatcher<number, number>({
      maxBatch: 10,
      maxInFlight: 1,
      run: async () => [],
    });
    await expect(batcher.submit(1)).rejects.toThrow('returned 0 results');
  });
});
