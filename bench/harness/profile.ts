/**
 * The CPU-profile reader: where a server started with `--cpu-prof --cpu-prof-dir=<dir>` spent its
 * time, from the `.cpuprofile` V8 writes when the process exits.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Contender, closePools, runBatch, warmUp } from './load.ts';
import type { Hostpass, Run } from './processes.ts';

/** The parts of V8's `.cpuprofile` read here (times in µs). */
type CpuProfileFile = Record<'timeDeltas' | 'samples', number[]> & {
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
};

/** Groups a frame: a package, a Hostpass module (dist/src/<dir>/<file>), a Node module, or V8's own. */
function codeArea(url: string, functionName: string): string {
  const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  const own = /\/dist\/src\/(.+)\.js$/.exec(url)?.[1];
  if (packageName) return packageName;
  if (own) return `hostpass ${own}`;
  if (url.startsWith('node:')) return url;
  if (url.startsWith('wasm://')) return 'WebAssembly (PGlite)';
  return url === '' ? functionName || '(native)' : 'other';
}

/** Now on CLOCK_MONOTONIC in µs: the clock V8 stamps its samples with. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Self time per area (a package, a Hostpass module, Node, V8) and per function, busiest first, in
 * `directory`'s profile, only inside `window` (monotonic µs) when given, in ms per `per` requests.
 */
export async function readCpuProfile(
  directory: string,
  options: { window?: { fromUs: number; toUs: number }; per?: number } = {},
) {
  const name = (await readdir(directory)).find((file) => file.endsWith('.cpuprofile'));
  if (!name) throw new Error(`no .cpuprofile in ${directory}`);
  const profile: CpuProfileFile = JSON.parse(await readFile(path.join(directory, name), 'utf8'));
  const { fromUs, toUs } = options.window ?? { fromUs: -Infinity, toUs: Infinity };
  const per = options.per ?? 1;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (totals: Map<string, number>, key: string, us: number) =>
    totals.set(key, (totals.get(key) ?? 0) + us);
  let at = profile.startTime;
  let busyUs = 0;
  for (const [index, id] of profile.samples.entries()) {
    at += profile.timeDeltas[index] ?? 0;
    const frame = frames.get(id);
    const spent = profile.timeDeltas[index + 1] ?? 0;
    if (at < fromUs || at > toUs || !frame || frame.functionName === '(idle)') continue;
    busyUs += spent;
    add(areas, codeArea(frame.url, frame.functionName), spent);
    const file = frame.url.replace(/^.*\/(node_modules|dist)\//, '');
    add(functions, `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`, spent);
  }
  const ms = (us: number) => Math.round((us / 1000 / per) * 1000) / 1000;
  const busiest = (totals: Map<string, number>, count: number) =>
    [...totals].sort((a, b) => b[1] - a[1]).slice(0, count);
  return {
    /** Requests the window served: every figure is per request (1: totals). */
    per,
    windowMs: Math.round((Math.min(toUs, at) - Math.max(fromUs, profile.startTime)) / 1000),
    /** Non-idle samples in the window, ms per request. */
    busyMs: ms(busyUs),
    byArea: busiest(areas, 14).map(([area, us]) => ({ area, ms: ms(us) })),
    topFunctions: busiest(functions, 12).map(([where, us]) => ({ where, ms: ms(us) })),
  };
}

export type ProfileSummary = Awaited<ReturnType<typeof readCpuProfile>>;

/**
 * A server started by `start` under `--cpu-prof`: the `contenders` it is given, warmed up, then a
 * batch of `count` requests each; stopped, and its profile cut to the batches, per request.
 */
export async function profileBatches(
  run: Run,
  start: (nodeFlags: string[]) => Promise<Hostpass>,
  contenders: (server: Hostpass) => Contender[],
  plan: { warmup: number; count: number; concurrency: number },
): Promise<ProfileSummary> {
  const directory = await run.tempDir('hostpass-bench-profile-');
  const server = await start(['--cpu-prof', `--cpu-prof-dir=${directory}`]);
  const routes = contenders(server);
  let window: { fromUs: number; toUs: number };
  let per = 0;
  try {
    await warmUp(routes, plan.warmup, plan.concurrency);
    const fromUs = monotonicUs();
    for (const { pool, spec } of routes)
      per += (await runBatch(pool, spec, plan.count, plan.concurrency)).requests;
    window = { fromUs, toUs: monotonicUs() };
  } finally {
    await closePools(routes);
    await run.stop(server);
  }
  // V8 writes the profile when the process exits.
  return readCpuProfile(directory, { window, per });
}
