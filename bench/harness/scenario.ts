/**
 * What every scenario shares: its options (each with a full and a `--quick` value), the build,
 * the engines, a cleanup that runs however the process ends, the JSON summary and tables on
 * stdout, `--render-from <saved log>` and `--write-docs [--docs <file>]`.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildServer, type Engine, postgresVersion, Run } from './processes.ts';
import {
  type CodeVersion,
  codeVersion,
  DOCS_FILE,
  describeError,
  type Fill,
  loadAverage,
  log,
  machineInfo,
  measuringCommand,
  ROOT,
  readPrintedSummary,
  renderCode,
  template,
  writeDocsSection,
} from './report.ts';

type Option = number | string | boolean;

/** The part of every summary the harness fills in (`command`: never a `--render-from`). */
export interface Common<S> {
  command: string;
  date: string;
  machine: ReturnType<typeof machineInfo>;
  /** 1-minute load average before and after the run: other work on the machine shows here. */
  loadAverage: { before: number; after: number };
  code: CodeVersion;
  settings: S & { quick: boolean };
  /** Engines not measured, with why. */
  skipped: Record<string, string>;
}

export interface Scenario<O extends Record<string, Option>, Result> {
  /** Runs as `bench/<name>.ts`; its prose is `bench/templates/<name>.md`. */
  name: string;
  /** Options and defaults, camelCase (`--kebab-case`): a number is a whole number above 0. */
  options: O;
  /** The defaults `--quick` changes: small sizes, so a CI-like run checks it end to end. */
  quick: Partial<O>;
  /** The engines it measures Hostpass on, in order; `--skip-pglite` drops PGlite. */
  engines: readonly Engine[];
  /** False when no Hostpass server runs (nothing to build). */
  build?: boolean;
  /** Other roles of the same file: `--<flag>` runs that server instead (a baseline, say). */
  servers?: Record<string, () => Promise<void>>;
  measure(run: Run, settings: O & { quick: boolean }): Promise<Result>;
  /** Tables and target lines by the names `section` uses; printed after the JSON in this order. */
  tables?(summary: Common<O> & Result, fill: Fill): Record<string, string>;
  /** More values the `section` fragment needs beside the summary and the tables (notes…). */
  section?(summary: Common<O> & Result, fill: Fill): object;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

function parseOptions<O extends Record<string, Option>>(scenario: Scenario<O, unknown>) {
  const declared = Object.entries<Option>(scenario.options);
  const type = (value: Option) => (typeof value === 'boolean' ? 'boolean' : 'string');
  const values: Record<string, string | boolean | undefined> = parseArgs({
    options: {
      ...Object.fromEntries(declared.map(([name, full]) => [kebab(name), { type: type(full) }])),
      quick: { type: 'boolean' },
      'skip-pglite': { type: 'boolean' },
      'server-root': { type: 'string', default: ROOT },
      'render-from': { type: 'string' },
      'write-docs': { type: 'boolean' },
      docs: { type: 'string', default: DOCS_FILE },
    },
  }).values;
  const quick = values.quick === true;
  const quickValues: Record<string, Option | undefined> = scenario.quick;
  const parse = ([name, full]: [string, Option]): [string, Option] => {
    const given = values[kebab(name)];
    const fallback = (quick ? quickValues[name] : undefined) ?? full;
    if (typeof fallback !== 'number') return [name, given ?? fallback];
    const parsed = typeof given === 'string' ? Number(given) : fallback;
    if (!Number.isInteger(parsed) || parsed < 1)
      throw new Error(`--${kebab(name)} must be a whole number above 0, not "${given}"`);
    return [name, parsed];
  };
  const text = (name: string) => String(values[name] ?? '') || null;
  return {
    // Built from the scenario's own option table, so the shape is what the type says.
    settings: Object.fromEntries([...declared.map(parse), ['quick', quick]]) as O & {
      quick: boolean;
    },
    skipPglite: values['skip-pglite'] === true,
    serverRoot: path.resolve(text('server-root') ?? ROOT),
    renderFrom: text('render-from'),
    writeDocs: values['write-docs'] === true,
    docs: path.resolve(text('docs') ?? DOCS_FILE),
  };
}

/** The `busy` fragment, and a space, when the machine was busy before the run; else nothing. */
export function busy(summary: Common<unknown>, fill: Fill): string {
  return summary.loadAverage.before > summary.machine.cpus / 2 ? `${fill('busy')} ` : '';
}

/** Its argument, typed: how a scenario file declares itself (`export const scenario = …`). */
export const defineScenario = <O extends Record<string, Option>, Result>(
  scenario: Scenario<O, Result>,
) => scenario;

/** What a run prints after the JSON (its tables) and its docs section, measured now or read back. */
export function report<O extends Record<string, Option>, Result>(
  scenario: Scenario<O, Result>,
  summary: Common<O> & Result,
) {
  const fill = template(scenario.name);
  const tables = () => scenario.tables?.(summary, fill) ?? {};
  // Every section opens with bench/templates/common.md's `header`, plus the scenario's aside.
  const header = () =>
    template('common')('header', {
      ...summary,
      date: summary.date.slice(0, 10),
      postgres: summary.machine.postgres
        ? `, PostgreSQL ${summary.machine.postgres} on the same machine`
        : '',
      aside: fill.has('header-aside') ? `${fill('header-aside')} ` : '',
      codeLine: renderCode(summary.code),
    });
  return {
    tables: Object.values(tables()).join('\n\n'),
    section: () =>
      fill('section', {
        ...summary,
        header: header(),
        ...tables(),
        ...scenario.section?.(summary, fill),
      }),
  };
}

/** Runs the scenario (or one of its servers) when its file is the process's entry point. */
export async function main<O extends Record<string, Option>, Result>(
  url: string,
  scenario: Scenario<O, Result>,
): Promise<void> {
  if (!process.argv[1] || pathToFileURL(path.resolve(process.argv[1])).href !== url) return;
  for (const [flag, serve] of Object.entries(scenario.servers ?? {}))
    if (process.argv.includes(`--${flag}`)) return serve();
  const options = parseOptions(scenario);
  const quickDocs = (quick: boolean) => {
    if (quick && options.writeDocs && options.docs === DOCS_FILE)
      throw new Error('a --quick run is no benchmark: write its docs elsewhere with --docs <file>');
  };
  quickDocs(options.settings.quick);
  const summary = options.renderFrom
    ? await readPrintedSummary<Common<O> & Result>(options.renderFrom)
    : await measure(scenario, options);
  quickDocs(summary.settings.quick);
  // The JSON first: whatever happens to the tables, the measurement is on stdout.
  console.log(JSON.stringify(summary, null, 2));
  const { tables, section } = report(scenario, summary);
  console.log(`\n${tables}`);
  if (!options.writeDocs) return;
  const title = writeDocsSection(options.docs, section());
  log(`wrote the "${title.slice(3)}" section of ${path.relative(process.cwd(), options.docs)}`);
}

async function measure<O extends Record<string, Option>, Result>(
  scenario: Scenario<O, Result>,
  options: ReturnType<typeof parseOptions<O>>,
): Promise<Common<O> & Result> {
  const { serverRoot } = options;
  if (scenario.build !== false) buildServer(serverRoot);
  const before = loadAverage();
  const code = codeVersion(serverRoot);
  const skipped: Record<string, string> = {};
  const postgres = scenario.engines.includes('postgres')
    ? await postgresVersion().catch((error: unknown) => {
        skipped.postgres = `PostgreSQL at 127.0.0.1:5432 unreachable: ${describeError(error)}`;
        return null;
      })
    : null;
  if (options.skipPglite && scenario.engines.includes('pglite')) skipped.pglite = '--skip-pglite';
  const run = new Run(
    serverRoot,
    scenario.engines.filter((engine) => !skipped[engine]),
  );
  run.cleanupOnSignals();
  try {
    const result = await scenario.measure(run, options.settings);
    return {
      command: measuringCommand(`bench/${scenario.name}.ts`, process.argv.slice(2)),
      date: new Date().toISOString(),
      machine: machineInfo(postgres),
      loadAverage: { before, after: loadAverage() },
      code,
      settings: options.settings,
      skipped,
      ...result,
    };
  } finally {
    await run.cleanup();
  }
}
