/**
 * Group commit: items submitted concurrently are written together, one `run` (one transaction)
 * per batch, and each submitter is answered when its batch has finished.
 *
 * No timer. A batch starts on the event loop's next turn (setImmediate) once fewer than
 * `maxInFlight` batches are running, so an idle server writes an item at once (no added latency),
 * and under load the items that arrive while batches are running collect into the next one: the
 * busier the server, the larger the batches and the fewer commits per item. An item waits for at
 * most the batches already running.
 *
 * Why the next turn rather than at once: the requests whose bytes arrived together are handled
 * one after another within one turn, and an embedded database (PGlite) runs a whole transaction
 * in that turn's microtasks, without ever yielding to I/O. Started at once, the first request's
 * batch would run to its commit before the second request was even parsed: every batch would
 * hold one item. Started on the next turn, it holds every item submitted in this one.
 *
 * Ordering: items with the same `orderKey` are never in the same batch, and an item starts only
 * once every earlier item with its key has finished (they run in submission order), so work the
 * batches queue for them sees them in that order. Items without a key are not ordered.
 *
 * Failure: `run` must write all of a batch or none of it (one transaction). When a batch of
 * several items fails, each of them is run again alone, so an item the database refuses (a bad
 * value) fails only itself; an item that fails alone is rejected with its error.
 */
export interface BatcherOptions<Item, Result> {
  /** Writes a batch; returns one result per item, in the items' order. */
  run: (items: readonly Item[]) => Promise<readonly Result[]>;
  /** Items of one key are written one batch after another, in submission order. */
  orderKey?: (item: Item) => string | null;
  maxBatch: number;
  maxInFlight: number;
}

interface Pending<Item, Result> {
  item: Item;
  key: string | null;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export interface Batcher<Item, Result> {
  submit(item: Item): Promise<Result>;
}

export function createBatcher<Item, Result>(
  options: BatcherOptions<Item, Result>,
): Batcher<Item, Result> {
  const { run, maxBatch, maxInFlight } = options;
  const orderKey = options.orderKey ?? (() => null);
  const waiting: Pending<Item, Result>[] = [];
  /** Keys of the items in running batches. */
  const busyKeys = new Set<string>();
  let inFlight = 0;
  let pumpScheduled = false;

  /** The next batch: waiting items in order, skipping any whose key is busy or already taken. */
  function takeBatch(): Pending<Item, Result>[] {
    const batch: Pending<Item, Result>[] = [];
    const taken = new Set<string>();
    for (let index = 0; index < waiting.length && batch.length < maxBatch; ) {
      const pending = waiting[index] as Pending<Item, Result>;
      const { key } = pending;
      if (key !== null && (busyKeys.has(key) || taken.has(key))) {
        // Later items of this key are skipped by the same test, so their order holds.
        index += 1;
        continue;
      }
      if (key !== null) taken.add(key);
      batch.push(pending);
      waiting.splice(index, 1);
    }
    return batch;
  }

  function pump(): void {
    pumpScheduled = false;
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = takeBatch();
      if (batch.length === 0) return; // every waiting item waits for its key
      void flush(batch);
    }
  }

  /** Starts the batches that can start on the next turn, with every item submitted in this one. */
  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(pump);
  }

  /** Runs the batch and answers its items; throws (answering none) when `run` fails. */
  async function settle(batch: Pending<Item, Result>[]): Promise<void> {
    const results = await run(batch.map((pending) => pending.item));
    if (results.length !== batch.length)
      throw new Error(`batch of ${batch.length} returned ${results.length} results`);
    for (const [index, pending] of batch.entries()) pending.resolve(results[index] as Result);
  }

  async function flush(batch: Pending<Item, Result>[]): Promise<void> {
    inFlight += 1;
    for (const { key } of batch) if (key !== null) busyKeys.add(key);
    try {
      await settle(batch).catch(async (error: unknown) => {
        if (batch.length === 1) throw error;
        // In order, so items of one key stay in order.
        for (const pending of batch) await settle([pending]).catch(pending.reject);
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      for (const { key } of batch) if (key !== null) busyKeys.delete(key);
      inFlight -= 1;
      schedulePump();
    }
  }

  return {
    submit(item) {
      return new Promise<Result>((resolve, reject) => {
        waiting.push({ item, key: orderKey(item), resolve, reject });
        schedulePump();
      });
    },
  };
}
