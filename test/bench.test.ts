/**
 * The benchmark harness must not rot unnoticed: every scenario re-renders, from a saved quick
 * run, the docs section that run wrote (byte for byte, and again from its own re-printed output),
 * and the cheapest scenario runs end to end as a user runs it. No timing is asserted.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPrintedSummary } from '../bench/harness/report.ts';
import { report } from '../bench/harness/scenario.ts';

type Summary = Parameters<typeof report>[1];

const ROOT = path.resolve(import.meta.dirname, '..');
const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'bench');
const SCENARIOS = [
  'foundation',
  'emulator-jointoken',
  'ingest',
  'sync',
  'token-server',
  'events',
  'fleet',
  'scale-out',
];

function bench(scenario: string, args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [`bench/${scenario}.ts`, ...args], { cwd: ROOT });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const scratch = mkdtemp(path.join(os.tmpdir(), 'hostpass-bench-test-'));
afterAll(async () => rm(await scratch, { recursive: true, force: true }));

describe('bench/ scenarios', () => {
  it.each(SCENARIOS)('%s: a saved quick run renders the section it wrote', async (name) => {
    const { scenario } = await import(`../bench/${name}.ts`);
    const expected = (await readFile(path.join(FIXTURES, `${name}.md`), 'utf8')).trimEnd();
    const summary = await readPrintedSummary<Summary>(path.join(FIXTURES, `${name}.out`));
    const first = report(scenario, summary);
    expect(first.section()).toBe(expected);
    expect(expected).not.toMatch(/undefined|\{\{/);
    // What a run prints is a log too: reading it back gives the same section.
    const again = path.join(await scratch, `${name}.out`);
    await writeFile(again, `${JSON.stringify(summary, null, 2)}\n\n${first.tables}\n`);
    expect(report(scenario, await readPrintedSummary<Summary>(again)).section()).toBe(expected);
  });

  it.concurrent('the command line: --render-from, and a --quick run refuses docs/benchmarks.md', async () => {
    const log = path.join(FIXTURES, 'emulator-jointoken.out');
    const docs = path.join(await scratch, 'benchmarks.md');
    const [rendered, refused] = await Promise.all([
      bench('emulator-jointoken', ['--render-from', log, '--write-docs', '--docs', docs]),
      bench('emulator-jointoken', ['--render-from', log, '--write-docs']),
    ]);
    expect(rendered.code).toBe(0);
    const expected = await readFile(path.join(FIXTURES, 'emulator-jointoken.md'), 'utf8');
    expect(await readFile(docs, 'utf8')).toContain(expected);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--docs <file>');
  }, 30_000);

  it.concurrent('emulator-jointoken --quick runs end to end', async () => {
    const answer = await bench('emulator-jointoken', ['--quick']);
    expect(answer.code).toBe(0);
    const summary = JSON.parse(answer.stdout.slice(0, answer.stdout.indexOf('\n}\n') + 2));
    expect(summary.settings.quick).toBe(true);
    expect(summary.jointoken.requests).toBeGreaterThan(0);
    expect(summary.jointoken.errors).toBe(0);
    expect(answer.stdout).toContain('| date ');
  }, 30_000);
});
