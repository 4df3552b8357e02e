/**
 * The report writer: statistics, Markdown tables, the prose templates under bench/templates/,
 * the machine and code a run measured, and the docs/benchmarks.md section each scenario owns.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const DOCS_FILE = path.join(ROOT, 'docs', 'benchmarks.md');
const TEMPLATES = path.join(ROOT, 'bench', 'templates');

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Statistics

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

/** p50 and p99 of `values` (sorted in place), in ms with two decimals. */
export function quantiles(values: number[]): { p50Ms: number; p99Ms: number } {
  values.sort((a, b) => a - b);
  return { p50Ms: round2(percentile(values, 0.5)), p99Ms: round2(percentile(values, 0.99)) };
}

// ---------------------------------------------------------------------------------------------
// Markdown

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

/** Fills a template fragment: `{{path.to.value}}` from `values`, or a table from `rows`. */
export interface Fill {
  (fragment: string, values?: object): string;
  /**
   * A table fragment is three lines: the header, the alignment rule (`---:` for numbers) and one
   * row, filled once per item of `rows`; the header is filled from `values`.
   */
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

/**
 * The fragments of `bench/templates/<name>.md`: each starts at a line `<!-- fragment-name -->`
 * and runs to the next one (trailing blank lines dropped). The prose of every report lives there.
 */
export function template(name: string): Fill {
  const fragments = new Map<string, string>();
  // [text before the first marker, name, body, name, body, …]
  const parts = readFileSync(path.join(TEMPLATES, `${name}.md`), 'utf8').split(
    /^<!-- ([\w-]+) -->\n/m,
  );
  for (let index = 1; index < parts.length; index += 2)
    fragments.set(parts[index] ?? '', (parts[index + 1] ?? '').trimEnd());
  const body = (fragment: string) => {
    const text = fragments.get(fragment);
    if (text === undefined) throw new Error(`bench/templates/${name}.md has no "${fragment}"`);
    return text;
  };
  const fill = (fragment: string, values: object = {}) =>
    substitute(body(fragment), values, `${name}.md "${fragment}"`);
  const cells = (line: string) =>
    line
      .slice(line.indexOf('|') + 1, line.lastIndexOf('|'))
      .split('|')
      .map((cell) => cell.trim());
  return Object.assign(fill, {
    has: (fragment: string) => fragments.has(fragment),
    table(fragment: string, rows: object[], values: object = {}) {
      const [header = '', rule = '', row = ''] = body(fragment).split('\n');
      const where = `${name}.md "${fragment}"`;
      return markdownTable(
        cells(substitute(header, values, where)),
        rows.map((item) => cells(substitute(row, item, where))),
        cells(rule).map((cell) => cell.endsWith(':')),
      );
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

export type MachineInfo = ReturnType<typeof machineInfo>;

export function loadAverage(): number {
  return round2(os.loadavg()[0] ?? 0);
}

/** The commit measured, and how many paths under src/ differ from it (null: not a git checkout). */
export function codeVersion(serverRoot: string): {
  serverRoot: string;
  commit: string;
  uncommittedSrcFiles: number | null;
} {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', serverRoot, ...args], { encoding: 'utf8', stdio: 'pipe' });
  try {
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const changed = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return { serverRoot, commit, uncommittedSrcFiles: changed };
  } catch {
    return { serverRoot, commit: 'unknown (not a git checkout)', uncommittedSrcFiles: null };
  }
}

export type CodeVersion = ReturnType<typeof codeVersion>;

export function renderCode(code: CodeVersion): string {
  if (code.uncommittedSrcFiles === null) return code.commit;
  const dirty =
    code.uncommittedSrcFiles === 0
      ? 'no uncommitted changes in `src/`'
      : `plus ${code.uncommittedSrcFiles} uncommitted or new paths in \`src/\``;
  return `commit \`${code.commit}\`, ${dirty}`;
}

// ---------------------------------------------------------------------------------------------
// Logs and docs

/**
 * The JSON summary a run printed first (before its tables), read back from a saved log, so its
 * docs can be re-rendered without measuring again (`--render-from`).
 */
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

/** Where the `## ` section titled `title` starts (-1: absent) and ends in `text`. */
function sectionBounds(text: string, title: string): { start: number; end: number } {
  const start = text.indexOf(`${title}\n`);
  const next = start === -1 ? -1 : text.slice(start + title.length).search(/^## /m);
  return { start, end: next === -1 ? text.length : start + title.length + next };
}

/**
 * Replaces the section that starts with `title` up to the next `## ` heading, or appends it.
 * Re-reads the file right before writing: other scenarios write their own sections.
 */
export function writeDocsSection(file: string, title: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const { start, end } = sectionBounds(text, title);
  const rest = end < text.length ? `\n${text.slice(end)}` : '';
  const next =
    start === -1
      ? `${text.trimEnd()}\n\n${section}`
      : `${text.slice(0, start)}${section.trimEnd()}\n${rest}`;
  writeFileSync(file, `${next.trimEnd()}\n`);
}
