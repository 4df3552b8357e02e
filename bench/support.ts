/**
 * Helpers shared by the benches: child server processes on 127.0.0.1, PostgreSQL databases that
 * are dropped however the bench ends, a keep-alive load driver, and the docs/benchmarks.md
 * section writer. Nothing here measures anything by itself.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Dispatcher, Pool } from 'undici';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const DOCS_FILE = path.join(ROOT, 'docs', 'benchmarks.md');
/** The machine's PostgreSQL (trust auth). Loopback only: the benches never talk to anything else. */
export const ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const HOST = '127.0.0.1';

export const READY_POLL_MS = 10;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Small helpers

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}

export function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Compiles the server (`npm run build`), so a bench measures what `npm start` runs. */
export function buildServer(serverRoot: string): void {
  const built = spawnSync('npm', ['run', 'build', '--silent'], {
    cwd: serverRoot,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('npm run build failed');
}

// ---------------------------------------------------------------------------------------------
// Cleanup and child processes

/** Everything that must be undone however the bench ends: children, databases, directories. */
export class Cleanup {
  readonly children = new Set<ChildProcess>();
  private readonly tasks: Array<() => Promise<void>> = [];

  defer(task: () => Promise<void>): void {
    this.tasks.push(task);
  }

  async run(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    for (const task of this.tasks.reverse()) {
      try {
        await task();
      } catch (error) {
        console.error(`cleanup: ${describeError(error)}`);
      }
    }
  }
}

export interface RunningProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Milliseconds from spawn() to the first 200 of the readiness path. */
  readyMs: number;
  /** The child's stdout and stderr, for the error message when it dies. */
  output: string[];
}

/** Only what a server needs: nothing from the caller's environment (e.g. a DATABASE_URL) leaks in. */
export function serverEnvironment(
  port: number,
  extra: Record<string, string>,
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    HOST,
    PORT: String(port),
    PUBLIC_URL: `http://${HOST}:${port}`,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/**
 * Spawns `node <args>` in `cwd` on a free loopback port (the child reads PORT from its
 * environment) and waits for `readyPath` to answer 200.
 */
export async function startProcess(
  spec: { args: string[]; cwd: string; env: Record<string, string>; readyPath: string },
  cleanup: Cleanup,
): Promise<RunningProcess> {
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const output: string[] = [];
  // The clock starts before spawn: a user waits for Node, module loading and the store alike.
  const startedAt = performance.now();
  const child = spawn(process.execPath, spec.args, {
    cwd: spec.cwd,
    env: serverEnvironment(port, spec.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.children.add(child);
  // Drain both pipes, or a chatty child blocks on a full pipe buffer.
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  if (child.pid === undefined) throw new Error('could not spawn the server');
  const readyAt = await waitForReady(`${url}${spec.readyPath}`, child, output);
  return { child, pid: child.pid, url, readyMs: readyAt - startedAt, output };
}

async function waitForReady(url: string, child: ChildProcess, output: string[]): Promise<number> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `server exited (${child.exitCode ?? child.signalCode}) before ready:\n${output.join('')}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now();
    } catch {
      // Not listening yet (connection refused): poll again.
    }
    await sleep(READY_POLL_MS);
  }
  throw new Error(`server not ready within ${READY_TIMEOUT_MS} ms:\n${output.join('')}`);
}

/** SIGTERM, as an operator would; SIGKILL only if graceful shutdown hangs. Returns ms to exit. */
export async function stopProcess(server: RunningProcess, cleanup: Cleanup): Promise<number> {
  const { child } = server;
  const startedAt = performance.now();
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const outcome = await Promise.race([
      exited.then(() => 'exited'),
      sleep(STOP_TIMEOUT_MS, 'timeout'),
    ]);
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`server did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
    }
  }
  cleanup.children.delete(child);
  return performance.now() - startedAt;
}

/** User plus system CPU time the process has used so far, in milliseconds (Linux /proc). */
export async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

// ---------------------------------------------------------------------------------------------
// Stores

export async function temporaryDirectory(cleanup: Cleanup, prefix: string): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanup.defer(() => rm(root, { recursive: true, force: true }));
  return root;
}

export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: ADMIN_DATABASE_URL,
    connectionTimeoutMillis: 5_000,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function postgresVersion(): Promise<string> {
  return withAdminClient(async (client) => {
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  });
}

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

let databaseCounter = 0;

/** A new empty database, dropped (FORCE) when the bench ends. Returns its connection URL. */
export async function createDatabase(cleanup: Cleanup, tag: string): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(tag)) throw new Error(`bad database tag ${tag}`);
  databaseCounter += 1;
  // Built from digits and a checked tag only, so it is safe to interpolate.
  const name = `hostpass_bench_${tag}_${process.pid}_${Date.now()}_${databaseCounter}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  cleanup.defer(() =>
    withAdminClient(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }),
  );
  return databaseUrl(name);
}

// ---------------------------------------------------------------------------------------------
// Load

export interface Batch {
  /** Requests answered (or failed) in this batch. */
  requests: number;
  errors: number;
  seconds: number;
}

export interface LoadSpec {
  /** Builds the next request; called once per request, right before it is sent. */
  next: () => Dispatcher.RequestOptions;
  /** Whether an answer counts as a success (the body is read in full either way). */
  ok: (status: number, body: string) => boolean;
}

/**
 * Sends up to `count` requests through a keep-alive pool with `concurrency` in flight, stopping
 * early after `timeLimitMs`; pushes each latency (ms) to `latencies`.
 */
export async function runBatch(
  pool: Pool,
  spec: LoadSpec,
  count: number,
  concurrency: number,
  timeLimitMs: number,
  latencies: number[],
): Promise<Batch> {
  const startedAt = performance.now();
  const deadline = startedAt + timeLimitMs;
  let issued = 0;
  let errors = 0;
  const worker = async () => {
    while (issued < count && performance.now() < deadline) {
      issued += 1;
      const request = spec.next();
      const sentAt = performance.now();
      try {
        const response = await pool.request(request);
        const body = await response.body.text();
        if (!spec.ok(response.statusCode, body)) errors += 1;
      } catch {
        errors += 1;
      }
      latencies.push(performance.now() - sentAt);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests: issued, errors, seconds: (performance.now() - startedAt) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// Reporting

/** A Markdown table padded the way Biome's formatter writes it (numbers right-aligned). */
export function markdownTable(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const pad = (cell: string, column: number) => {
    const width = widths[column] ?? 0;
    return rightAligned[column] ? cell.padStart(width) : cell.padEnd(width);
  };
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = widths.map((width, column) =>
    rightAligned[column] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width),
  );
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

export function verdict(met: boolean): string {
  return met ? '**met**' : '**not met**';
}

/**
 * The JSON summary a bench printed first (before its tables), read back from a saved log, so
 * its docs can be re-rendered without measuring again (`--render-from`).
 */
export async function readPrintedSummary<Summary>(file: string): Promise<Summary> {
  const text = await readFile(file, 'utf8');
  const start = text.indexOf('{\n');
  const end = text.indexOf('\n}\n', start);
  if (start === -1 || end === -1) throw new Error(`${file}: no printed JSON summary found`);
  return JSON.parse(text.slice(start, end + 2)) as Summary;
}

/** The command line as given, without `--render-from <file>` (the command that measured). */
export function measuringCommand(script: string, args: readonly string[]): string {
  const kept = args.filter(
    (arg, index) => !arg.startsWith('--render-from') && args[index - 1] !== '--render-from',
  );
  return ['npx node', script, ...kept].join(' ');
}

/**
 * Replaces the section that starts with `title` (a `## ` heading) up to the next `## ` heading,
 * or appends it. Re-reads the file right before writing: other benches write their own sections.
 */
export function writeDocsSection(title: string, section: string): void {
  const current = existsSync(DOCS_FILE) ? readFileSync(DOCS_FILE, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(`${title}\n`);
  let next: string;
  if (start === -1) {
    next = `${current.trimEnd()}\n\n${section}`;
  } else {
    const after = current.slice(start + title.length);
    const nextSection = after.search(/^## /m);
    const end = nextSection === -1 ? current.length : start + title.length + nextSection;
    const rest = current.slice(end);
    next = `${current.slice(0, start)}${section}${rest ? `\n${rest}` : ''}`;
  }
  writeFileSync(DOCS_FILE, `${next.trimEnd()}\n`);
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string | null;
}

export function machineInfo(postgres: string | null): MachineInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.versions.node,
    postgres,
  };
}

export function loadAverage(): number {
  return round2(os.loadavg()[0] ?? 0);
}

export interface CodeVersion {
  serverRoot: string;
  commit: string;
  /** Paths under src/ that differ from the commit; null when the tree is not a git checkout. */
  uncommittedSrcFiles: number | null;
}

export function codeVersion(serverRoot: string): CodeVersion {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', serverRoot, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  try {
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const changed = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return { serverRoot, commit, uncommittedSrcFiles: changed };
  } catch {
    return { serverRoot, commit: 'unknown (not a git checkout)', uncommittedSrcFiles: null };
  }
}

export function renderCode(code: CodeVersion): string {
  if (code.uncommittedSrcFiles === null) return code.commit;
  const dirty =
    code.uncommittedSrcFiles === 0
      ? 'no uncommitted changes in `src/`'
      : `plus ${code.uncommittedSrcFiles} uncommitted or new paths in \`src/\``;
  return `commit \`${code.commit}\`, ${dirty}`;
}

/** Busy and total CPU time of the whole machine so far, in clock ticks (Linux /proc/stat). */
export async function machineCpuTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  // idle and iowait are the 4th and 5th fields.
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
}

/**
 * CPU time (ms) used so far by every process named `command` that this user may read, e.g. all
 * of PostgreSQL's backends. Machine-wide: other users of the same server count too.
 */
export async function commandCpuMs(command: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = (await readFile(`/proc/${entry}/comm`, 'utf8')).trim();
      if (comm === command) total += await processCpuMs(Number(entry));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}
