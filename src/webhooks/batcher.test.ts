import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.ts';

interface Item {
  id: number;
  key?: string;
}

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
  /** Lets every running batch finish, then gives the next ones a turn to start. */
  const releaseAll = async () => {
    for (const release of releases.splice(0)) release();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batcher, batches, releaseAll };
}

describe('createBatcher', () => {
  it('runs an item at once when idle, and groups the items that arrive meanwhile', async () => {
    const { batcher, batches, releaseAll } = controlled();
    const first = batcher.submit({ id: 1 });
    expect(batches).toEqual([[1]]);
    const later = [2, 3, 4].map((id) => batcher.submit({ id }));
    expect(batches).toEqual([[1]]);
    await releaseAll();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    await releaseAll();
    expect(await first).toBe('done 1');
    expect(await Promise.all(later)).toEqual(['done 2', 'done 3', 'done 4']);
  });

  it('caps batches at maxBatch and runs up to maxInFlight at once', async () => {
    const { batcher, batches, releaseAll } = controlled({ maxBatch: 2, maxInFlight: 2 });
    const answers = [1, 2, 3, 4, 5, 6, 7].map((id) => batcher.submit({ id }));
    expect(batches).toEqual([[1], [2]]);
    await releaseAll();
    expect(batches).toEqual([[1], [2], [3, 4], [5, 6]]);
    await releaseAll();
    expect(batches).toEqual([[1], [2], [3, 4], [5, 6], [7]]);
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
    // 1 runs; 2 waits for key a, so 3 takes the second slot.
    expect(batches).toEqual([[1], [3]]);
    await releaseAll();
    // One item of key a per batch, the first one waiting: 2, then 4.
    expect(batches).toEqual([[1], [3], [2, 5, 6]]);
    await releaseAll();
    expect(batches).toEqual([[1], [3], [2, 5, 6], [4]]);
    await releaseAll();
    expect(await Promise.all(answers)).toHaveLength(6);
  });

  it('runs the items of a failed batch again alone: only the bad one fails', async () => {
    const { batcher, batches, releaseAll } = controlled({
      fail: (items) => items.some((item) => item.id === 2),
    });
    const first = batcher.submit({ id: 1 });
    const settled = Promise.allSettled([2, 3].map((id) => batcher.submit({ id })));
    for (let turn = 0; turn < 4; turn += 1) await releaseAll();
    expect(await first).toBe('done 1');
    expect((await settled).map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
    expect(batches).toEqual([[1], [2, 3], [2], [3]]);
    const after = batcher.submit({ id: 4 });
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
