/**
 * Outgoing events (issue 12), caused by Zoom's `endpoint.url_validation` challenge (each one emits
 * `app.webhook_validated` and calls nothing at Zoom), delivered to the tests' Standard Webhooks
 * receiver in this process: cause-to-delivery when idle; the cause's latency with an endpoint and
 * without (target: ratio ≤ 1.1); deliveries per second of a backlog drained by 1 and 3 processes.
 */
import { performance } from 'node:perf_hooks';
import { signedZoomEvent } from '../test/support/scale-out.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../test/support/webhook-receiver.ts';
import { registerApp } from '../test/support/zoom-world.ts';
import * as h from './harness/index.ts';

const TARGET_RATIO = 1.1;
const EVENT_TYPE = 'app.webhook_validated' as const;
/** Endpoint URLs on 127.0.0.1: allowed for the bench's own receiver. */
const SERVER_ENV = { HOSTPASS_ALLOW_PRIVATE_CALLBACKS: 'true' };
const PROCESS_COUNTS = [1, 3] as const;
const BACKLOG_CONCURRENCY = 16;
const DRAIN_TIMEOUT_MS = 300_000;

/** Resolves once `count` deliveries arrived in all, or fails after `timeoutMs`. */
const delivered = (receiver: WebhookReceiver, count: number, timeoutMs = 30_000) =>
  receiver.waitFor(EVENT_TYPE, count, timeoutMs);

/** A signed url_validation challenge to a new app's webhook URL: the cause. */
async function causeSpec(emulator: h.Emulator, server: h.Hostpass): Promise<h.Contender['spec']> {
  const world = { zoom: emulator.zoom, hostpass: server };
  const { app, zoomApp } = await registerApp(world, 'user_level');
  const path = new URL(app.webhook_url).pathname;
  return {
    next: () => {
      const payload = { plainToken: 'bench' };
      const { body, headers } = signedZoomEvent(zoomApp, 'endpoint.url_validation', payload);
      return { method: 'POST', path, headers, body };
    },
    ok: (status) => status === 200,
  };
}

/** Registers an endpoint at the receiver; the function it returns deletes it. */
async function addEndpoint(server: h.Hostpass, receiver: WebhookReceiver) {
  const body = { url: receiver.url, event_types: [EVENT_TYPE] };
  const { id } = await h.must(server.client.POST('/api/v2/webhook-endpoints/', { body }));
  return async () => {
    const params = { path: { id } };
    const { response } = await server.client.DELETE('/api/v2/webhook-endpoints/{id}/', { params });
    if (response.status !== 204) throw new Error(`deleting endpoint ${id}: ${response.status}`);
  };
}

/** One cause at a time, each waiting for its delivery: cause-to-delivery and the cause alone. */
async function idleLatency(
  server: h.Hostpass,
  spec: h.Contender['spec'],
  receiver: WebhookReceiver,
  count: number,
) {
  const pool = h.keepAlivePool(server.process.url, 1);
  const delivery: number[] = [];
  const cause: number[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      const expected = receiver.received.length + 1;
      const startedAt = performance.now();
      const answer = await pool.request(spec.next());
      await answer.body.text();
      if (!spec.ok(answer.statusCode, '')) throw new Error(`cause answered ${answer.statusCode}`);
      cause.push(performance.now() - startedAt);
      const arrivals = await delivered(receiver, expected);
      delivery.push((arrivals[expected - 1]?.at ?? Number.NaN) - startedAt);
    }
  } finally {
    await pool.close();
  }
  return { events: count, delivery: h.quantiles(delivery), cause: h.quantiles(cause) };
}

/** The cause with an endpoint registered and without, interleaved, at `concurrency`. */
async function withAndWithout(
  server: h.Hostpass,
  spec: h.Contender['spec'],
  receiver: WebhookReceiver,
  settings: { rounds: number; requests: number },
  concurrency: number,
) {
  const pool = h.keepAlivePool(server.process.url, concurrency);
  let removeEndpoint: (() => Promise<void>) | null = null;
  let expected = receiver.received.length;
  const { rounds } = await h.contest(
    [
      { name: 'without', pool, spec },
      { name: 'with', pool, spec },
    ],
    {
      rounds: settings.rounds,
      count: settings.requests,
      concurrency,
      warmup: Math.min(200, settings.requests),
      cpu: h.hostpassCpu(server),
    },
    {
      async before(contender) {
        if (contender.name === 'with') removeEndpoint = await addEndpoint(server, receiver);
        else {
          await removeEndpoint?.();
          removeEndpoint = null;
        }
      },
      async after(contender, stats) {
        // Every event of the round delivered before the next round starts: no backlog spills over.
        if (contender.name !== 'with') return;
        expected += stats.requests - stats.errors;
        await delivered(receiver, expected, DRAIN_TIMEOUT_MS);
      },
    },
  );
  // (The warm-up runs before any `before`: with no endpoint registered, so it emits nothing.)
  const [without, withEndpoint] = [h.series(rounds.without ?? []), h.series(rounds.with ?? [])];
  return { concurrency, without, with: withEndpoint, ...h.versus(rounds, 'with', 'without') };
}

/**
 * Delivered events per second with `processes` processes on PostgreSQL: a backlog written by a
 * process without workers, then drained by `processes` processes started together.
 */
async function drain(run: h.Run, emulator: h.Emulator, backlog: number, processes: number) {
  const store = await run.store('postgres');
  const receiver = await startWebhookReceiver();
  try {
    const env = { ...SERVER_ENV, HOSTPASS_WORKERS: 'false' };
    const writer = await run.hostpass(store, { emulator, env });
    const spec = await causeSpec(emulator, writer);
    await addEndpoint(writer, receiver);
    const pool = h.keepAlivePool(writer.process.url, BACKLOG_CONCURRENCY);
    const written = await h.runBatch(pool, spec, backlog, BACKLOG_CONCURRENCY);
    await pool.close();
    await run.stop(writer);
    const events = written.requests - written.errors;
    // Held back until every process is up (a process starting costs the others CPU), then due
    // all at once: the drain alone is timed.
    await store.query(`UPDATE webhook_deliveries SET next_attempt_at = now() + interval '1 day'`);
    const servers = await run.hostpasses(processes, store, { emulator, env: SERVER_ENV });
    const cpu = await h.cpuMeter({ ...h.serversCpu(servers), postgres: h.POSTGRES_BACKENDS });
    const startedAt = performance.now();
    await store.query(
      `WITH due AS (UPDATE webhook_deliveries SET next_attempt_at = clock_timestamp() RETURNING id)
       SELECT pg_notify('hostpass_outgoing_events', '') FROM due LIMIT 1`,
    );
    const arrivals = await delivered(receiver, events, DRAIN_TIMEOUT_MS);
    const seconds = ((arrivals.at(-1)?.at ?? Number.NaN) - startedAt) / 1000;
    const { cpuMsPer, machineBusyPercent } = await cpu(events);
    const unique = new Set(arrivals.map((arrival) => arrival.headers['webhook-id'])).size;
    for (const server of servers) await run.stop(server);
    h.log(`${processes} process(es): ${Math.round(events / seconds)} deliveries/s`);
    return {
      processes,
      events,
      seconds: h.round2(seconds),
      perSecond: Math.round(events / seconds),
      duplicates: receiver.received.length - unique,
      cpuMsPerEvent: { hostpass: h.serversCpuMs(cpuMsPer), postgres: cpuMsPer.postgres ?? null },
      machineBusyPercent,
    };
  } finally {
    await receiver.close();
  }
}

export const scenario = h.defineScenario({
  name: 'events',
  options: { idleEvents: 200, rounds: 3, requests: 500, concurrency: 16, backlog: 3000 },
  quick: { idleEvents: 20, rounds: 1, requests: 50, concurrency: 4, backlog: 100 },
  engines: ['pglite', 'postgres'],
  async measure(run, settings) {
    const emulator = await run.emulator();
    const engines = await run.eachEngine(async (engine) => {
      const server = await run.hostpass(await run.store(engine), { emulator, env: SERVER_ENV });
      const spec = await causeSpec(emulator, server);
      const receiver = await startWebhookReceiver();
      try {
        const removeEndpoint = await addEndpoint(server, receiver);
        await idleLatency(server, spec, receiver, Math.min(20, settings.idleEvents)); // warm-up
        const idle = await idleLatency(server, spec, receiver, settings.idleEvents);
        await removeEndpoint();
        h.log(`${engine}: idle cause→delivery p50 ${idle.delivery.p50Ms} ms`);
        const contests = [];
        for (const concurrency of [1, settings.concurrency])
          contests.push(await withAndWithout(server, spec, receiver, settings, concurrency));
        return { engine, label: h.engineLabel(engine), idle, contests };
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
  // Printed in this order, and named so in the template.
  tables(summary, fill) {
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
          withoutLatency: fill('latency', measured.without),
          withLatency: fill('latency', measured.with),
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
            met: h.verdict(measured.p50Ratio.median <= TARGET_RATIO),
          }),
        )
        .join('\n'),
    };
  },
});

await h.main(import.meta.url, scenario);
