/**
 * The webhook ingest contest of bench/token-server.ts alone (issue 14): the same receiver
 * (`bench/token-server.ts --per-event-receiver`), the same ingestContest (signed `meeting.created`
 * events, 32 in flight by default, rounds interleaved), on a fresh store per engine whose host was
 * connected and synced first; then whether every event was stored once, and applied. One JSON line
 * per engine. The token part of token-server.ts takes most of its run; this takes minutes.
 *
 *   npx node bench/ingest-only.ts [--server-root <checkout>] [--engines postgres,pglite]
 *     [--events 2000] [--pglite-events 1000] [--rounds 3] [--workers true|false] [--concurrency 32]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { buildServer, type Engine, Run } from './harness/processes.ts';
import { ROOT } from './harness/report.ts';
import { ingestContest, mintingHost, storedEvents, UNLIMITED_SERVER_ENV } from './harness/world.ts';
import { startPerEventReceiver } from './token-server.ts';

const { values } = parseArgs({
  options: {
    'server-root': { type: 'string', default: ROOT },
    engines: { type: 'string', default: 'postgres,pglite' },
    events: { type: 'string', default: '2000' },
    'pglite-events': { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    workers: { type: 'string', default: 'true' },
    concurrency: { type: 'string', default: '32' },
    /** Seconds to wait after the rounds for PostgreSQL's backlog to be applied. */
    drain: { type: 'string', default: '60' },
  },
});
const root = values['server-root'];
const engines = values.engines
  .split(',')
  .filter((name): name is Engine => name === 'postgres' || name === 'pglite');
const run = new Run(root, engines);
const load = () => Number((os.loadavg()[0] ?? 0).toFixed(2));
// Children and databases go however the run ends (Ctrl-C, `timeout`'s SIGTERM).
const exitWith = (code: number) => () => void run.cleanup().finally(() => process.exit(code));
process.once('SIGINT', exitWith(130));
process.once('SIGTERM', exitWith(143));
try {
  buildServer(root);
  const emulator = await run.emulator();
  for (const engine of run.engines) {
    const store = await run.store(engine);
    const setup = await run.hostpass(store, { emulator, env: UNLIMITED_SERVER_ENV });
    const host = await mintingHost({ zoom: emulator.zoom, hostpass: setup });
    await run.stop(setup);
    const env = { ...UNLIMITED_SERVER_ENV, HOSTPASS_WORKERS: values.workers };
    const hostpass = await run.hostpass(store, { emulator, env });
    const receiver = await startPerEventReceiver(run, store, host);
    const events = Number(engine === 'postgres' ? values.events : values['pglite-events']);
    const before = load();
    const plan = {
      rounds: Number(values.rounds),
      count: events,
      concurrency: Number(values.concurrency),
    };
    const { baseline, answered, ...measured } = await ingestContest(
      host,
      { baseline: receiver, hostpass: hostpass.process },
      { ...plan, warmup: Math.min(200, events) },
      `${engine} ingest`,
    );
    const after = load();
    const receiverRows = await (await fetch(`${receiver.url}/count`)).json();
    await run.stop({ process: receiver });
    // PostgreSQL: how long the events left unapplied take after the rounds (workers on).
    const drainStart = Date.now();
    let rows = store.databaseUrl ? await storedEvents(store, host.app.app.id) : null;
    while (
      rows &&
      rows.unprocessed > 0 &&
      values.workers === 'true' &&
      Date.now() - drainStart < Number(values.drain) * 1000
    ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      rows = await storedEvents(store, host.app.app.id);
    }
    const drainMs = Date.now() - drainStart;
    await run.stop(hostpass);
    // PGlite: read once its server has stopped (one process owns the directory).
    rows ??= await storedEvents(store, host.app.app.id);
    const side = (series: typeof baseline) => ({
      perSecond: series.perSecondMedian,
      p50: series.p50,
      p99: series.p99,
      cpu: series.cpuMsPerRequestMedian,
      rounds: series.rounds.map((round) => Math.round(round.perSecond)),
    });
    const result = {
      engine,
      workers: values.workers,
      events,
      concurrency: plan.concurrency,
      loadavg: { before, after },
      receiver: side(baseline),
      hostpass: side(measured.hostpass),
      ratio: measured.perSecondRatios,
      answered,
      rows: { receiver: receiverRows, hostpass: rows },
      drainMs,
    };
    console.log(JSON.stringify(result));
  }
} finally {
  await run.cleanup();
}
