/**
 * The load generator: keep-alive undici pools at a fixed concurrency, a latency per request, and
 * rounds of several contenders interleaved (A, B, A, B…) so the machine's drift hits them all,
 * with the CPU each process spent per request.
 */
import { performance } from 'node:perf_hooks';
import { type Dispatcher, Pool } from 'undici';
import { commandCpuMs, machineCpuTicks, processCpuMs } from './processes.ts';
import { loadAverage, log, median, quantiles, round2 } from './report.ts';

export interface LoadSpec {
  /** Builds the next request; called once per request, right before it is sent. */
  next: () => Dispatcher.RequestOptions;
  /** Whether an answer counts as a success (the body is read in full either way). */
  ok: (status: number, body: string) => boolean;
}

export const keepAlivePool = (url: string, connections: number) =>
  new Pool(url, { connections, pipelining: 1 });

/**
 * Runs `work(0)` … `work(count - 1)` with at most `concurrency` at once, starting no new one
 * after `deadline` (a `performance.now()` time); returns how many were started.
 */
export async function inParallel(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<void>,
  deadline = Number.POSITIVE_INFINITY,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count && performance.now() < deadline) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return next;
}

/** What `work` answered, and how long it took (ms). */
export async function timed<T>(work: () => Promise<T>): Promise<{ answer: T; ms: number }> {
  const startedAt = performance.now();
  const answer = await work();
  return { answer, ms: performance.now() - startedAt };
}

/** Up to `count` requests (for at most 2 minutes), `concurrency` in flight, latencies (ms) kept. */
export async function runBatch(
  pool: Pool,
  spec: LoadSpec,
  count: number,
  concurrency: number,
  latencies: number[] = [],
  timeLimitMs = 120_000,
) {
  const startedAt = performance.now();
  let errors = 0;
  const send = async () => {
    const request = spec.next();
    const sentAt = performance.now();
    try {
      const response = await pool.request(request);
      if (!spec.ok(response.statusCode, await response.body.text())) errors += 1;
    } catch {
      errors += 1;
    }
    latencies.push(performance.now() - sentAt);
  };
  const requests = await inParallel(count, concurrency, send, startedAt + timeLimitMs);
  return { requests, errors, seconds: (performance.now() - startedAt) / 1000 };
}

/** Whose CPU is accounted: a pid, every process of a command name, or `self` (the load generator). */
export type CpuSource = number | 'self' | { command: string };
export type CpuSources = Record<string, CpuSource>;
/** Every PostgreSQL backend on the machine: other users of the same server count too. */
export const POSTGRES_BACKENDS: CpuSource = { command: 'postgres' };

const cpuMs = async (source: CpuSource) => {
  if (typeof source === 'number') return processCpuMs(source);
  if (source !== 'self') return commandCpuMs(source.command);
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** A round against one Hostpass server accounts it, `others`, PostgreSQL and the load generator. */
export const hostpassCpu = (server: { process: { pid: number } }, others: CpuSources = {}) => ({
  hostpass: server.process.pid,
  ...others,
  postgres: POSTGRES_BACKENDS,
  driver: 'self' as const,
});

/** Several servers' processes as CPU sources `hostpass1`, `hostpass2`… */
export const serversCpu = (servers: { process: { pid: number } }[]): CpuSources =>
  Object.fromEntries(servers.map((server, index) => [`hostpass${index + 1}`, server.process.pid]));

/** What the `serversCpu` sources spent together, per unit of work. */
export const serversCpuMs = (cpuMsPer: Record<string, number>) =>
  round2(
    Object.entries(cpuMsPer)
      .filter(([name]) => name.startsWith('hostpass'))
      .reduce((sum, [, ms]) => sum + ms, 0),
  );

/**
 * Starts counting the CPU of `sources` and of the whole machine; the function it returns reads
 * the CPU each source spent since per unit of work, and how busy (%) all the machine's cores were.
 */
export async function cpuMeter(sources: CpuSources) {
  const names = Object.keys(sources);
  const snapshot = () => Promise.all(names.map((name) => cpuMs(sources[name] ?? 'self')));
  const [before, machineBefore] = await Promise.all([snapshot(), machineCpuTicks()]);
  return async (units: number) => {
    const [after, machine] = await Promise.all([snapshot(), machineCpuTicks()]);
    const per = (at: number) => round2(((after[at] ?? 0) - (before[at] ?? 0)) / units);
    return {
      cpuMsPer: Object.fromEntries(names.map((name, at) => [name, per(at)])),
      machineBusyPercent: Math.round(
        (100 * (machine.busy - machineBefore.busy)) / (machine.total - machineBefore.total),
      ),
    };
  };
}

/** One target under load: its own pool, its requests, and whose CPU its rounds account. */
export interface Contender {
  name: string;
  pool: Pool;
  spec: LoadSpec;
  cpu?: CpuSources;
}

/** A GET (`path`: the same, or the next one each time); a success is a 200 whose body passes `ok`. */
export const getSpec = (
  path: string | (() => string),
  ok: (body: string) => boolean = () => true,
  headers: Record<string, string> = {},
): LoadSpec => ({
  next: () => ({ method: 'GET', path: typeof path === 'string' ? path : path(), headers }),
  ok: (status, body) => status === 200 && ok(body),
});

export interface RoundPlan {
  count: number;
  concurrency: number;
  /** Used for contenders that name no `cpu` of their own. */
  cpu?: CpuSources;
  timeLimitMs?: number;
}

/** One measured batch of `contender`: its latencies (ms) go to `latencies`, sorted. */
async function measureRound({ pool, spec, cpu }: Contender, plan: RoundPlan, latencies: number[]) {
  const meter = await cpuMeter(cpu ?? plan.cpu ?? {});
  const { count, concurrency, timeLimitMs } = plan;
  const batch = await runBatch(pool, spec, count, concurrency, latencies, timeLimitMs);
  const { cpuMsPer, machineBusyPercent } = await meter(batch.requests);
  return {
    requests: batch.requests,
    errors: batch.errors,
    seconds: round2(batch.seconds),
    perSecond: Math.round(batch.requests / batch.seconds),
    ...quantiles(latencies),
    /** CPU time (user + system) per request of each accounted process. */
    cpuMsPerRequest: cpuMsPer,
    /** Busy share of ALL the machine's cores during the round (100 = every core busy). */
    machineBusyPercent,
  };
}

export type RoundStats = Awaited<ReturnType<typeof measureRound>>;

/** Unmeasured requests to each contender (JIT, pools, caches hot); an error stops the run. */
export async function warmUp(contenders: Contender[], count: number, concurrency: number) {
  const answered: Record<string, number> = {};
  for (const { name, pool, spec } of contenders) {
    const batch = await runBatch(pool, spec, count, concurrency);
    if (batch.errors > 0)
      throw new Error(`${name}: ${batch.errors} of ${batch.requests} warm-up errors`);
    answered[name] = batch.requests;
  }
  return answered;
}

type Maybe<T> = Promise<T> | T;
export interface RoundHooks {
  before?(contender: Contender): Maybe<unknown>;
  after?(contender: Contender, stats: RoundStats, latencies: number[]): Maybe<unknown>;
  /** After every contender ran once: `latest` holds this round's stats by contender name. */
  afterRound?(round: number, latest: Record<string, RoundStats>): Maybe<unknown>;
}

/** An `afterRound` hook logging each contender's rate, p50 and p99, and the load (into `loads`). */
export function logRounds(label: string, loads?: number[]): NonNullable<RoundHooks['afterRound']> {
  return (round, latest) => {
    const load = loadAverage();
    loads?.push(load);
    const each = Object.entries(latest).map(
      ([name, stats]) => `${name} ${stats.perSecond}/s, p50/p99 ${stats.p50Ms}/${stats.p99Ms} ms`,
    );
    log(`${label} round ${round + 1} (load ${load}): ${each.join('; ')}`);
  };
}

/**
 * The usual contest: `warmup` requests to each contender, then `rounds` rounds, each measuring
 * every contender once, in order; the pools closed afterwards. `rounds`: stats by contender name;
 * `answered`: its successful requests, warm-up included.
 */
export async function contest(
  contenders: Contender[],
  plan: RoundPlan & { rounds: number; warmup: number },
  hooks: RoundHooks = {},
) {
  try {
    const answered = await warmUp(contenders, plan.warmup, plan.concurrency);
    const rounds: Record<string, RoundStats[]> = {};
    for (let round = 0; round < plan.rounds; round += 1) {
      const latest: Record<string, RoundStats> = {};
      for (const contender of contenders) {
        await hooks.before?.(contender);
        const latencies: number[] = [];
        const stats = await measureRound(contender, plan, latencies);
        rounds[contender.name] = [...(rounds[contender.name] ?? []), stats];
        latest[contender.name] = stats;
        answered[contender.name] = (answered[contender.name] ?? 0) + stats.requests - stats.errors;
        await hooks.after?.(contender, stats, latencies);
      }
      await hooks.afterRound?.(round, latest);
    }
    return { answered, rounds };
  } finally {
    await closePools(contenders);
  }
}

export const closePools = async (contenders: Contender[]) =>
  void (await Promise.all([...new Set(contenders.map(({ pool }) => pool))].map((p) => p.close())));

export type Spread = { median: number; min: number };
export const spread = (values: number[]): Spread => ({
  median: round2(median(values)),
  min: Math.min(...values),
});

/** A contender's rounds, and the median (and min) of each figure over them. */
export function series(rounds: RoundStats[]) {
  const names = Object.keys(rounds[0]?.cpuMsPerRequest ?? {});
  const middle = (pick: (round: RoundStats) => number) => round2(median(rounds.map(pick)));
  return {
    rounds,
    p50: spread(rounds.map((round) => round.p50Ms)),
    p99: spread(rounds.map((round) => round.p99Ms)),
    perSecondMedian: Math.round(median(rounds.map((round) => round.perSecond))),
    cpuMsPerRequestMedian: Object.fromEntries(
      names.map((name) => [name, middle((round) => round.cpuMsPerRequest[name] ?? Number.NaN)]),
    ),
    machineBusyPercentMedian: middle((round) => round.machineBusyPercent),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
  };
}

export type Series = ReturnType<typeof series>;

/** `over` against `under` run back to back: each ratio per round, and their median (min). */
export function versus(rounds: Record<string, RoundStats[]>, over: string, under: string) {
  const ratios = (pick: (stats: RoundStats) => number) =>
    (rounds[over] ?? []).map((stats, index) => {
      const base = rounds[under]?.[index];
      return base ? round2(pick(stats) / pick(base)) : Number.NaN;
    });
  const p50Ratios = ratios((stats) => stats.p50Ms);
  const p99Ratios = ratios((stats) => stats.p99Ms);
  const perSecondRatios = ratios((stats) => stats.perSecond);
  return {
    p50Ratios,
    p99Ratios,
    perSecondRatios,
    p50Ratio: spread(p50Ratios),
    p99Ratio: spread(p99Ratios),
    perSecondRatio: spread(perSecondRatios),
  };
}
