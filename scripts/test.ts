/**
 * `npm test`: lint, typecheck, the import-cycle check, then the whole suite once per storage
 * engine — embedded PGlite and a PostgreSQL server (HOSTPASS_TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test, started with pg_ctlcluster when it is down and this
 * machine has it). HOSTPASS_TEST_ENGINES=pglite (or postgres) runs one engine only. Extra
 * arguments go to vitest.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

const engines = (process.env.HOSTPASS_TEST_ENGINES ?? 'pglite,postgres')
  .split(',')
  .map((engine) => engine.trim());
const databaseUrl =
  process.env.HOSTPASS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const vitestArgs = process.argv.slice(2);

function run(command: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(
    `\n$ ${[command, ...args].join(' ')}${Object.keys(env).length ? `  (${new URLSearchParams(env).toString().replaceAll('&', ' ')})` : ''}`,
  );
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensurePostgres(): Promise<void> {
  if (await postgresReachable()) return;
  const clusters = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  const version = clusters[0];
  if (!version)
    throw new Error(
      `PostgreSQL is not reachable at ${databaseUrl} and no local cluster is installed.`,
    );
  console.log(`PostgreSQL is down; starting cluster ${version}/main`);
  spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
    stdio: 'inherit',
  });
  for (let attempt = 0; attempt < 30; attempt += 1) {
    if (await postgresReachable()) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`PostgreSQL did not come up at ${databaseUrl}.`);
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let ok =
  // Biome is fetched by npx, not installed: the npm registry this project uses carries only some of
  // its platform binaries, and a lock file without the others breaks `npm ci`.
  run('npm', ['run', '--silent', 'lint']) &&
  run('npx', ['tsc', '--noEmit']) &&
  // The dashboard's browser code has its own tsconfig (DOM, JSX), outside the root one.
  run('npx', ['tsc', '--noEmit', '-p', 'src/dashboard/app']) &&
  // No two folders of src/ may import each other (scripts/import-cycles.ts says why).
  run(process.execPath, ['scripts/import-cycles.ts']) &&
  // The typed client's types must match the routes (`npm run client` regenerates them).
  run(process.execPath, ['scripts/client.ts', '--check']);

for (const engine of ok ? engines : []) {
  if (engine === 'postgres') await ensurePostgres();
  const report = `.tmp/vitest-${engine}.json`;
  const passed = run(
    'npx',
    [
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...vitestArgs,
    ],
    {
      HOSTPASS_TEST_DB: engine,
      HOSTPASS_TEST_DATABASE_URL: databaseUrl,
    },
  );
  if (existsSync(report)) {
    const result = JSON.parse(readFileSync(report, 'utf8')) as VitestJson;
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests;
    totals.skipped += result.numPendingTests;
    console.log(`${engine}: ${result.numPassedTests} passed, ${result.numFailedTests} failed`);
  }
  ok &&= passed;
}

console.log(`\nall engines (${engines.join(', ')}):`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = ok && totals.passed > 0 ? 0 : 1;
