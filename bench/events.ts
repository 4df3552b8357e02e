/**
 * Outgoing events (issue 12, "Measure"), against real `node dist/src/main.js serve` child
 * processes with a Standard Webhooks receiver in this process on 127.0.0.1. The cause is Zoom's
 * `endpoint.url_validation` challenge (a signed POST to the app's webhook URL): every one records
 * the validation and emits `app.webhook_validated` in the same transaction, and it calls nothing
 * at Zoom, so the event's cost is the largest share of any cause's.
 *
 * 1. Idle: cause-to-delivery latency p50/p99, one cause at a time (PGlite and PostgreSQL).
 * 2. The cause's own latency with an endpoint registered and without, rounds interleaved, at
 *    1 and at `--concurrency` in flight. Target: ratio ≤ 1.1.
 * 3. Delivered events per second on PostgreSQL with 1 and 3 processes: a backlog of `--backlog`
 *    events written by a process without workers, then drained by 1 (3) processes started at once.
 *
 *   npx node bench/events.ts [--idle-events 200] [--rounds 3] [--requests 500]
 *     [--concurrency 16] [--backlog 3000] [--skip-pglite] [--quick] [--write-docs]
 *     [--render-from <log>]
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { signedZoomEvent } from '../test/support/scale-out.ts';
import { registerApp } from '../test/support/zoom-world.ts';
import {
  type Contender,
  contest,
  cpuMeter,
  keepAlivePool,
  POSTGRES_BACKENDS,
  runBatch,
  type Series,
  series,
  serversCpu,
  serversCpuMs,
  versus,
} from './harness/load.ts';
import { type Emulator, type Engine, engineLabel, type Hostpass } from './harness/processes.ts';
import { type Fill, log, quantiles, round2, verdict } from './harness/report.ts';
import { defineScenario, main, type Run } from './harness/scenario.ts';
import { expectApi, text } from './harness/world.ts';

const TARGET_RATIO = 1.1;
const EVENT_TYPE = 'app.webhook_validated';
const ENDPOINTS = '/api/v2/webhook-endpoints/';
/** Endpoint URLs on 127.0.0.1: allowed for the bench's own receiver. */
const SERVER_ENV = { HOSTPASS_ALLOW_PRIVATE_CALLBACKS: 'true' };
const PROCESS_COUNTS = [1, 3] as const;
const BACKLOG_CONCURRENCY = 16;
const DRAIN_TIMEOUT_MS = 300_000;

/** The receiver: answers 204 at once and notes when each delivery arrived. */
async function startReceiver() {
  const arrivals: { at: number; webhookId: string }[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push({ at: performance.now(), webhookId: String(req.headers['webhook-id']) });
      res.writeHead(204).end();
      waiters = waiters.filter((waiter) => {
        if (arrivals.length < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    arrivals,
    /** Resolves once `count` deliveries arrived in all (or throws after `timeoutMs`). */
    until(count: number, timeoutMs = 30_000): Promise<void> {
      if (arrivals.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${arrivals.length} of ${count} deliveries arrived`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** An app whose signed url_validation challenges are the cause. */
async function causeApp(emulator: Emulator, server: Hostpass) {
  const { app, zoomApp } = await registerApp(
    { zoom: emulator.zoom, hostpass: server },
    'user_level',
  );
  return { path: new URL(app.webhook_url).pathname, zoomApp };
}
type CauseApp = Awaited<ReturnType<typeof causeApp>>;

function causeSpec(app: CauseApp): Contender['spec'] {
  return {
    next: () => {
      const { body, headers } = signedZoomEvent(app.zoomApp, 'endpoint.url_validation', {
        plainToken: 'bench',
      });
      return { method: 'POST', path: app.path, headers, body };
    },
    ok: (status) => status === 200,
  };
}

async function addEndpoint(server: Hostpass, receiver: Receiver): Promise<string> {
  const created = await expectApi(server, ENDPOINTS, 201, {
    method: 'POST',
    json: { url: receiver.url, event_types: [EVENT_TYPE] },
  });
  return text(created, 'id');
}

/** One cause at a time, each waiting for its delivery: cause-to-delivery and the cause alone. */
async function idleLatency(server: Hostpass, app: CauseApp, receiver: Receiver, count: number) {
  const pool = keepAlivePool(server.process.url, 1);
  const spec = causeSpec(app);
  const delivery: number[] = [];
  const cause: number[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      const expected = receiver.arrivals.length + 1;
      const startedAt = performance.now();
      const answer = await pool.request(spec.next());
      await answer.body.text();
      if (!spec.ok(answer.statusCode, '')) throw new Error(`cause answered ${answer.statusCode}`);
      cause.push(performance.now() - startedAt);
      await receiver.until(expected);
      delivery.push((receiver.arrivals[expected - 1]?.at ?? Number.NaN) - startedAt);
    }
  } finally {
    await pool.close();
  }
  return { events: count, delivery: quantiles(delivery), cause: quantiles(cause) };
}

/** The cause with an endpoint registered and without, interleaved, at `concurrency`. */
async function withAndWithout(
  server: Hostpass,
  app: CauseApp,
  receiver: Receiver,
  settings: { rounds: number; requests: number },
  concurrency: number,
) {
  const pool = keepAlivePool(server.process.url, concurrency);
  const spec = causeSpec(app);
  const contenders: Contender[] = [
    { name: 'without', pool, spec },
    { name: 'with', pool, spec },
  ];
  let endpointId: string | null = null;
  let expected = receiver.arrivals.length;
  const { rounds } = await contest(
    contenders,
    {
      rounds: settings.rounds,
      count: settings.requests,
      concurrency,
      warmup: Math.min(200, settings.requests),
      cpu: { hostpass: server.process.pid, postgres: POSTGRES_BACKENDS, driver: 'self' },
    },
    {
      async before(contender) {
        if (contender.name === 'with') endpointId = await addEndpoint(server, receiver);
        else if (endpointId !== null) {
          await expectApi(server, `${ENDPOINTS}${endpointId}/`, 204, { method: 'DELETE' });
          endpointId = null;
        }
      },
      async after(contender, stats) {
        // Every event of the round delivered before the next round starts: no backlog spills over.
        if (contender.name !== 'with') return;
        expected += stats.requests - stats.errors;
        await receiver.until(expected, DRAIN_TIMEOUT_MS);
      },
    },
  );
  // (The warm-up runs before any `before`: with no endpoint registered, so it emits nothing.)
  const without = series(rounds.without ?? []);
  const withEndpoint = series(rounds.with ?? []);
  return { concurrency, without, with: withEndpoint, ...versus(rounds, 'with', 'without') };
}

/**
 * Delivered events per second with `processes` processes on PostgreSQL: a backlog written by a
 * process without workers, then drained by `processes` processes started together.
 */
async function drain(run: Run, emulator: Emulator, backlog: number, processes: number) {
  const store = await run.store('postgres');
  const receiver = await startReceiver();
  try {
    const writer = await run.hostpass(store, {
      emulator,
      env: { ...SERVER_ENV, HOSTPASS_WORKERS: 'false' },
    });
    const app = await causeApp(emulator, writer);
    await addEndpoint(writer, receiver);
    const pool = keepAlivePool(writer.process.url, BACKLOG_CONCURRENCY);
    const written = await runBatch(pool, causeSpec(app), backlog, BACKLOG_CONCURRENCY);
    await pool.close();
    await run.stop(writer);
    const events = written.requests - written.errors;
    // Held back until every process is up (a process starting costs the others CPU), then due
    // all at once: the drain alone is timed.
    await store.query(`UPDATE webhook_deliveries SET next_attempt_at = now() + interval '1 day'`);
    const servers = await run.hostpasses(processes, store, { emulator, env: SERVER_ENV });
    const cpu = await cpuMeter({ ...serversCpu(servers), postgres: POSTGRES_BACKENDS });
    const startedAt = performance.now();
    await store.query(
      `WITH due AS (UPDATE webhook_deliveries SET next_attempt_at = clock_timestamp() RETURNING id)
       SELECT pg_notify('hostpass_outgoing_events', '') FROM due LIMIT 1`,
    );
    await receiver.until(events, DRAIN_TIMEOUT_MS);
    const seconds = (performance.now() - startedAt) / 1000;
    const { cpuMsPer, machineBusyPercent } = await cpu(events);
    const unique = new Set(receiver.arrivals.map((arrival) => arrival.webhookId)).size;
    for (const server of servers) await run.stop(server);
    const row = {
      processes,
      events,
      seconds: round2(seconds),
      perSecond: Math.round(events / seconds),
      duplicates: receiver.arrivals.length - unique,
      cpuMsPerEvent: { hostpass: serversCpuMs(cpuMsPer), postgres: cpuMsPer.postgres ?? null },
      machineBusyPercent,
    };
    log(`${processes} process(es): ${row.perSecond} deliveries/s`);
    return row;
  } finally {
    await receiver.close();
  }
}

export const scenario = defineScenario({
  name: 'events',
  options: { idleEvents: 200, rounds: 3, requests: 500, concurrency: 16, backlog: 3000 },
  quick: { idleEvents: 20, rounds: 1, requests: 50, concurrency: 4, backlog: 100 },
  engines: ['pglite', 'postgres'],
  async measure(run, settings) {
    const emulator = await run.emulator();
    const engines = await run.eachEngine(async (engine) => {
      const server = await run.hostpass(await run.store(engine), { emulator, env: SERVER_ENV });
      const app = await causeApp(emulator, server);
      const receiver = await startReceiver();
      try {
        const endpointId = await addEndpoint(server, receiver);
        await idleLatency(server, app, receiver, Math.min(20, settings.idleEvents)); // warm-up
        const idle = await idleLatency(server, app, receiver, settings.idleEvents);
        await expectApi(server, `${ENDPOINTS}${endpointId}/`, 204, { method: 'DELETE' });
        log(`${engine}: idle cause→delivery p50 ${idle.delivery.p50Ms} ms`);
        const contests = [];
        for (const concurrency of [1, settings.concurrency]) {
          const measured = await withAndWithout(server, app, receiver, settings, concurrency);
          log(`${engine}, ${concurrency} in flight: p50 ratio ${measured.p50Ratio.median}`);
          contests.push(measured);
        }
        return { engine, label: engineLabel(engine), idle, contests };
      } finally {
        await receiver.close();
        await run.stop(server);
      }
    });
    const throughput = [];
    if (run.engines.includes('postgres'))
      for (const processes of PROCESS_COUNTS)
        throughput.push(await drain(run, emulator, settings.backlog, processes));
    return { engines, throughput };
  },
  print: (summary, fill) => Object.values(tables(summary, fill)),
  render: (summary, fill, header) =>
    fill('section', { ...summary, header, ...tables(summary, fill) }),
});

interface Measured {
  engines: {
    engine: Engine;
    label: string;
    idle: Awaited<ReturnType<typeof idleLatency>>;
    contests: Awaited<ReturnType<typeof withAndWithout>>[];
  }[];
  throughput: Awaited<ReturnType<typeof drain>>[];
}

/** The tables and the target lines, by the names the template gives them. */
function tables(summary: Measured, fill: Fill) {
  const latency = (side: Series) =>
    `${side.p50.median} / ${side.p99.median} (${side.p50.min} / ${side.p99.min})`;
  const contests = summary.engines.flatMap(({ label, contests }) =>
    contests.map((measured) => ({ label, ...measured })),
  );
  return {
    idleTable: fill.table(
      'idle-table',
      summary.engines.map(({ label, idle }) => ({ label, ...idle })),
    ),
    ratioTable: fill.table(
      'ratio-table',
      contests.map((measured) => ({
        ...measured,
        withoutLatency: latency(measured.without),
        withLatency: latency(measured.with),
        withoutPerSecond: measured.without.perSecondMedian,
        withPerSecond: measured.with.perSecondMedian,
        cpu: `${measured.without.cpuMsPerRequestMedian.hostpass} / ${measured.with.cpuMsPerRequestMedian.hostpass}`,
      })),
    ),
    throughputTable: fill.table('throughput-table', summary.throughput),
    targets: contests
      .map((measured) =>
        fill('target', {
          ...measured,
          target: TARGET_RATIO,
          met: verdict(measured.p50Ratio.median <= TARGET_RATIO),
        }),
      )
      .join('\n'),
  };
}

await main(import.meta.url, scenario);
