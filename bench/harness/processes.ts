/**
 * The process runner: Hostpass servers, the Zoom emulator and a scenario's own servers as child
 * processes on 127.0.0.1, their stores (a PostgreSQL database or a PGlite directory), CPU time and
 * memory from /proc, and a cleanup that undoes all of it however the run ends.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createAdminClient } from '../../emulator/admin-client.ts';
import { createHostpassClient } from '../../src/client/index.ts';
import { freePort } from '../../src/free-port.ts';
import { adminDatabaseUrl, databaseUrlFor } from '../../test/support/engine.ts';
import { type ApiRequest, request } from '../../test/support/hostpass.ts';
import { describeError, ROOT } from './report.ts';

export const HOST = '127.0.0.1';
export const READY_POLL_MS = 10;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export type Engine = 'pglite' | 'postgres';
export const engineLabel = (engine: Engine) =>
  engine === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL 127.0.0.1';
/** A result with its engine's label, as the tables show it. */
export const labelled = <T extends { engine: Engine }>(result: T) => ({
  ...result,
  label: engineLabel(result.engine),
});

/** `readyMs`: from spawn() to the first 200 of the readiness path. */
export type RunningProcess = { child: ChildProcess; pid: number; url: string; readyMs: number };
export type Emulator = Awaited<ReturnType<Run['emulator']>>;
export type Hostpass = Awaited<ReturnType<Run['hostpass']>>;
export type Store = Awaited<ReturnType<Run['store']>>;
let storeCounter = 0;

/** One measuring run: everything it starts is stopped, dropped and deleted by `cleanup()`. */
export class Run {
  private readonly children = new Set<ChildProcess>();
  private readonly tasks: Array<() => Promise<unknown>> = [];
  readonly serverRoot: string;
  readonly engines: Engine[];

  /** `serverRoot`: the checkout whose build is served; `engines`: the scenario's, in order. */
  constructor(serverRoot: string, engines: Engine[]) {
    this.serverRoot = serverRoot;
    this.engines = engines;
  }

  async cleanup(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    for (const task of this.tasks.reverse())
      await task().catch((error) => console.error(`cleanup: ${describeError(error)}`));
  }

  /** Children and databases go however the run ends: Ctrl-C and `timeout`'s SIGTERM included. */
  cleanupOnSignals(): void {
    const exitCodes = { SIGINT: 130, SIGTERM: 143 };
    for (const [signal, code] of Object.entries(exitCodes))
      process.once(signal, () => void this.cleanup().finally(() => process.exit(code)));
  }

  /**
   * `node <args>` (given the port, for a `--port`) on a free loopback port once `readyPath`
   * answers 200. The child reads PORT; nothing else of this process's environment leaks in.
   */
  async start(spec: {
    args: string[] | ((port: number) => string[]);
    cwd?: string;
    env?: Record<string, string>;
    readyPath: string;
  }): Promise<RunningProcess> {
    const port = await freePort();
    const url = `http://${HOST}:${port}`;
    const args = typeof spec.args === 'function' ? spec.args(port) : spec.args;
    const output: string[] = [];
    // The clock starts before spawn: a user waits for Node, module loading and the store alike.
    const startedAt = performance.now();
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), HOST };
    const child = spawn(process.execPath, args, {
      cwd: spec.cwd ?? ROOT,
      env: { ...env, PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: 'warn', ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    // Drain both pipes, or a chatty child blocks on a full pipe buffer.
    for (const stream of [child.stdout, child.stderr])
      stream?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    while (performance.now() < startedAt + READY_TIMEOUT_MS) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${args.join(' ')} exited before ready:\n${output.join('')}`);
      const status = await fetch(`${url}${spec.readyPath}`, { signal: AbortSignal.timeout(2_000) })
        .then((response) => response.arrayBuffer().then(() => response.status))
        .catch(() => 0); // not listening yet
      if (status === 200)
        return { child, pid: child.pid, url, readyMs: performance.now() - startedAt };
      await sleep(READY_POLL_MS);
    }
    throw new Error(`${args.join(' ')} not ready in ${READY_TIMEOUT_MS} ms:\n${output.join('')}`);
  }

  /** SIGTERM, as an operator would; SIGKILL only if graceful shutdown hangs. Returns ms to exit. */
  async stop(target: RunningProcess | { process: RunningProcess }): Promise<number> {
    const { child } = 'process' in target ? target.process : target;
    const startedAt = performance.now();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      if ((await Promise.race([exited, sleep(STOP_TIMEOUT_MS, 'timeout')])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`process did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
      }
    }
    this.children.delete(child);
    return performance.now() - startedAt;
  }

  async tempDir(prefix: string): Promise<string> {
    const directory = await mkdtemp(path.join(os.tmpdir(), prefix));
    this.tasks.push(() => rm(directory, { recursive: true, force: true }));
    return directory;
  }

  /**
   * A new empty store (a PostgreSQL database, dropped at cleanup, or a PGlite directory) and the
   * secrets every server started on it shares; `query` reads it (PGlite: while no server runs).
   */
  async store(engine: Engine) {
    const apiKey = `hp_bench_${randomBytes(18).toString('base64url')}`;
    const secrets = {
      HOSTPASS_ENCRYPTION_KEYS: `bench1:${randomBytes(32).toString('base64')}`,
      HOSTPASS_BOOTSTRAP_API_KEY: apiKey,
    };
    if (engine === 'pglite') {
      const dataDir = path.join(await this.tempDir('hostpass-bench-'), 'data');
      const query = async <Row>(sql: string, params?: unknown[]): Promise<Row[]> => {
        const { PGlite } = await import('@electric-sql/pglite');
        const db = await PGlite.create({ dataDir: path.join(dataDir, 'pgdata') });
        return (await db.query<Row>(sql, params).finally(() => db.close())).rows;
      };
      const env = { HOSTPASS_DATA_DIR: dataDir, ...secrets };
      return { engine, env, apiKey, databaseUrl: null, query };
    }
    // Built from digits only, so it is safe to interpolate.
    const name = `hostpass_bench_${process.pid}_${Date.now()}_${++storeCounter}`;
    const admin = (sql: string) => withClient(adminDatabaseUrl(), (client) => client.query(sql));
    await admin(`CREATE DATABASE ${name}`);
    this.tasks.push(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    const databaseUrl = databaseUrlFor(name);
    const query = <Row>(sql: string, params?: unknown[]): Promise<Row[]> =>
      withClient(databaseUrl, async (client) => (await client.query(sql, params)).rows);
    return { engine, env: { DATABASE_URL: databaseUrl, ...secrets }, apiKey, databaseUrl, query };
  }

  /** `count` servers on one store: the first alone (it migrates and creates the key), then the rest. */
  async hostpasses(count: number, store: Store, options: Parameters<Run['hostpass']>[1] = {}) {
    const first = await this.hostpass(store, options);
    const rest = Array.from({ length: count - 1 }, () => this.hostpass(store, options));
    return [first, ...(await Promise.all(rest))];
  }

  /** Every measured engine in turn, in the scenario's order. */
  async eachEngine<T>(measure: (engine: Engine) => Promise<T>): Promise<T[]> {
    const results: T[] = [];
    for (const engine of this.engines) results.push(await measure(engine));
    return results;
  }

  /** `hostpass emulator` from this checkout's source, alone in its own process (its own core). */
  async emulator() {
    const running = await this.start({
      args: (port) => ['src/main.ts', 'emulator', '--port', String(port), '--host', HOST],
      readyPath: '/_emulator/clock',
    });
    return { process: running, url: running.url, zoom: createAdminClient(running.url) };
  }

  /**
   * `node dist/src/main.js serve` (what `npm start` runs) on `store`, pointed at `emulator`, with
   * `api()` (the black-box tests' request helper) and `client` (`hostpass/client`), both keyed.
   */
  async hostpass(
    store: Store,
    options: { emulator?: Emulator; env?: Record<string, string>; nodeFlags?: string[] } = {},
  ) {
    const { emulator } = options;
    const running = await this.start({
      args: [...(options.nodeFlags ?? []), 'dist/src/main.js', 'serve'],
      cwd: this.serverRoot,
      env: {
        ...store.env,
        ...(emulator && { ZOOM_OAUTH_URL: emulator.url, ZOOM_API_URL: `${emulator.url}/v2` }),
        ...options.env,
      },
      readyPath: '/readyz',
    });
    const authorization = `Token ${store.apiKey}`;
    return {
      process: running,
      store,
      authorization,
      api: (route: string, init: ApiRequest = {}) =>
        request(`${running.url}${route}`, { ...init, headers: { authorization, ...init.headers } }),
      client: createHostpassClient({ baseUrl: running.url, apiKey: store.apiKey }),
    };
  }
}

/** What a scenario's own server answers: a status, a body and its content type (JSON by default). */
export type Answer = { status: number; body: string; type?: string };

/**
 * A scenario's own server in this (child) process, as `run.start` starts it: `handle` answers
 * every request (its body read in full) on PORT at 127.0.0.1 until SIGTERM; a throw is a 500.
 */
export function serveHttp(handle: (request: IncomingMessage, body: Buffer) => Promise<Answer>) {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void handle(request, Buffer.concat(chunks))
        .catch((error: unknown): Answer => ({ status: 500, body: JSON.stringify(String(error)) }))
        .then(({ status, body, type = 'application/json' }) => {
          const length = Buffer.byteLength(body);
          response.writeHead(status, { 'content-type': type, 'content-length': length });
          response.end(body);
        });
    });
  });
  server.listen(Number(process.env.PORT), HOST);
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  return work(client).finally(() => client.end());
}

export const postgresVersion = () =>
  withClient(adminDatabaseUrl(), async (client) => {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  });

/** Compiles the server (`npm run build`), so a run measures what `npm start` runs. */
export function buildServer(cwd: string): void {
  const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
}

// CPU and memory (Linux /proc)

/** User plus system CPU time the process has used so far, in milliseconds. */
export async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** The processes this user may read whose `/proc/<pid>/<file>` passes `test`. */
export async function pidsWhere(file: 'comm' | 'cmdline', test: (text: string) => boolean) {
  const pids: number[] = [];
  for (const entry of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    // A process may end between the listing and the read.
    const text = await readFile(`/proc/${entry}/${file}`, 'utf8').catch(() => '');
    if (text && test(text)) pids.push(Number(entry));
  }
  return pids;
}

/** CPU ms so far of every process named `command` (all PostgreSQL backends: machine-wide). */
export async function commandCpuMs(command: string): Promise<number> {
  const pids = await pidsWhere('comm', (comm) => comm.trim() === command);
  const each = await Promise.all(pids.map((pid) => processCpuMs(pid).catch(() => 0)));
  return each.reduce((sum, ms) => sum + ms, 0);
}

/** Busy and total CPU time of the whole machine so far, in clock ticks (idle, iowait: 4th, 5th). */
export async function machineCpuTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
}

/** Resident memory now (VmRSS) and its peak so far (VmHWM), in KiB. */
export async function readMemory(pid: number): Promise<{ rssKiB: number; hwmKiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

export const mib = (kib: number) => Math.round(kib / 1024);

/** Peak memory of a process while it runs: VmRSS sampled every `everyMs` until `stop()`. */
export function memorySampler(pid: number, everyMs: number) {
  const state = { maxRssKiB: 0, samples: 0, stop: () => clearInterval(timer) };
  const timer = setInterval(async () => {
    const { rssKiB } = await readMemory(pid).catch(() => ({ rssKiB: 0 }));
    state.samples += rssKiB > 0 ? 1 : 0;
    state.maxRssKiB = Math.max(state.maxRssKiB, rssKiB);
  }, everyMs);
  return state;
}
