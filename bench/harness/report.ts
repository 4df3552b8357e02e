/**
 * The report writer: statistics, the prose templates under bench/templates/ (Markdown tables
 * padded as Biome writes them), the machine and code a run measured, and the docs section a
 * scenario owns in docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const DOCS_FILE = path.join(ROOT, 'docs', 'benchmarks.md');

export const log = (message: string) => void process.stderr.write(`[bench] ${message}\n`);
export const describeError = (error: unknown) =>
  error instanceof Error ? error.message : String(error);
export const round2 = (value: number) => Math.round(value * 100) / 100;
export const verdict = (met: boolean) => (met ? '**met**' : '**not met**');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}

export function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

/** p50 and p99 of `values` (sorted in place), in ms with two decimals. */
export function quantiles(values: number[]): { p50Ms: number; p99Ms: number } {
  values.sort((a, b) => a - b);
  return { p50Ms: round2(percentile(values, 0.5)), p99Ms: round2(percentile(values, 0.99)) };
}

/** Fills a template fragment: `{{path.to.value}}` from `values`, or a table from `rows`. */
export interface Fill {
  (fragment: string, values?: object): string;
  /** A fragment of three lines (header, alignment rule with `---:` for numbers, one row per item). */
  table(fragment: string, rows: object[], values?: object): string;
  has(fragment: string): boolean;
}

/** `{{a.b}}` → `values.a.b`; null shows as `?`; a value missing is an error, not a blank. */
function substitute(text: string, values: object, where: string): string {
  return text.replace(/\{\{([\w.]+)\}\}/g, (_, path: string) => {
    let value: unknown = values;
    for (const key of path.split('.'))
      value = typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
    if (value === undefined) throw new Error(`${where} needs a value for {{${path}}}`);
    return value === null ? '?' : String(value);
  });
}

const cells = (line: string) =>
  line
    .slice(line.indexOf('|') + 1, line.lastIndexOf('|'))
    .split('|')
    .map((cell) => cell.trim());

/**
 * The fragments of `bench/templates/<name>.md`: each starts at a line `<!-- fragment-name -->`
 * and runs to the next one (trailing blank lines dropped). The prose of every report lives there.
 */
export function template(name: string): Fill {
  const file = path.join(ROOT, 'bench', 'templates', `${name}.md`);
  // [text before the first marker, name, body, name, body, …]
  const parts = readFileSync(file, 'utf8').split(/^<!-- ([\w-]+) -->\n/m);
  const fragments = new Map<string, string>();
  for (let index = 1; index < parts.length; index += 2)
    fragments.set(parts[index] ?? '', (parts[index + 1] ?? '').trimEnd());
  const body = (fragment: string) => {
    const text = fragments.get(fragment);
    if (text === undefined) throw new Error(`bench/templates/${name}.md has no "${fragment}"`);
    return text;
  };
  const fill = (fragment: string, values: object = {}) =>
    substitute(body(fragment), values, `${name}.md "${fragment}"`);
  return Object.assign(fill, {
    has: (fragment: string) => fragments.has(fragment),
    table(fragment: string, items: object[], values: object = {}) {
      const [header = '', rule = '', row = ''] = body(fragment).split('\n');
      const where = `${name}.md "${fragment}"`;
      const rows = [
        cells(substitute(header, values, where)),
        ...items.map((item) => cells(substitute(row, item, where))),
      ];
      const right = cells(rule).map((cell) => cell.endsWith(':'));
      const widths = rows[0]?.map((_, column) =>
        Math.max(...rows.map((cells) => (cells[column] ?? '').length)),
      );
      const line = (cells: string[]) =>
        `| ${cells.map((cell, at) => cell[right[at] ? 'padStart' : 'padEnd'](widths?.[at] ?? 0)).join(' | ')} |`;
      const dashes = (widths ?? []).map((width, at) =>
        right[at] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width),
      );
      const [head = [], ...rest] = rows;
      return [line(head), `| ${dashes.join(' | ')} |`, ...rest.map(line)].join('\n');
    },
  });
}

// ---------------------------------------------------------------------------------------------
// What was measured, where

export function machineInfo(postgres: string | null) {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.versions.node,
    postgres,
  };
}

export const loadAverage = () => round2(os.loadavg()[0] ?? 0);

/** The commit measured, and how many paths under src/ differ from it (null: not a git checkout). */
export function codeVersion(serverRoot: string) {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', serverRoot, ...args], { encoding: 'utf8', stdio: 'pipe' });
  try {
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const changed = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return { serverRoot, commit, uncommittedSrcFiles: changed as number | null };
  } catch {
    return { serverRoot, commit: 'unknown (not a git checkout)', uncommittedSrcFiles: null };
  }
}

export function renderCode({ commit, uncommittedSrcFiles: changed }: CodeVersion): string {
  if (changed === null) return commit;
  const dirty =
    changed === 0
      ? 'no uncommitted changes in `src/`'
      : `plus ${changed} uncommitted or new paths in \`src/\``;
  return `commit \`${commit}\`, ${dirty}`;
}

export type CodeVersion = ReturnType<typeof codeVersion>;

// ---------------------------------------------------------------------------------------------
// Logs and docs

/** The JSON summary a run printed first (before its tables), read back from a saved log. */
export async function readPrintedSummary<Summary>(file: string): Promise<Summary> {
  const text = await readFile(file, 'utf8');
  const start = text.indexOf('{\n');
  const end = text.indexOf('\n}\n', start);
  if (start === -1 || end === -1) throw new Error(`${file}: no printed JSON summary found`);
  return JSON.parse(text.slice(start, end + 2));
}

/** The command line as given, without the options that only re-render or redirect output. */
export function measuringCommand(script: string, args: readonly string[]): string {
  const valued = new Set(['--render-from', '--docs']);
  const kept = args.filter(
    (arg, index) =>
      !valued.has(arg.split('=')[0] ?? '') && !valued.has(args[index - 1] ?? '') && arg !== '',
  );
  return ['npx node', script, ...kept].join(' ');
}

/**
 * Replaces the section that starts with `section`'s `## ` title up to the next `## ` heading,
 * or appends it. Re-reads the file right before writing: other scenarios write their own sections.
 */
export function writeDocsSection(file: string, section: string): string {
  const title = section.split('\n')[0] ?? '';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(`${title}\n`);
  const next = start === -1 ? -1 : text.slice(start + title.length).search(/^## /m);
  const end = next === -1 ? text.length : start + title.length + next;
  const rest = end < text.length ? `\n${text.slice(end)}` : '';
  const written =
    start === -1
      ? `${text.trimEnd()}\n\n${section}`
      : `${text.slice(0, start)}${section.trimEnd()}\n${rest}`;
  writeFileSync(file, `${written.trimEnd()}\n`);
  return title;
}
