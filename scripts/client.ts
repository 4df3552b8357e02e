/**
 * `npm run client` regenerates the typed client's types (src/client/schema.ts) from the API's own
 * OpenAPI document; `npm run client -- --check` (run by `npm test`) fails when the committed types
 * no longer match the routes.
 *
 * The document is built in-process, exactly as /openapi.json serves it, from a throwaway
 * embedded store. openapi-typescript needs the TypeScript 5 compiler API, which this project's
 * TypeScript 7 does not carry, so both run pinned through npx (as Biome does for `npm run lint`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildHttpServer } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { openRuntime } from '../src/runtime.ts';

const TARGET = 'src/client/schema.ts';
const GENERATOR = ['--yes', '-p', 'typescript@5.9.3', '-p', 'openapi-typescript@7.13.0'];
const check = process.argv.includes('--check');

async function openApiDocument(dataDir: string): Promise<unknown> {
  const config = loadConfig({ HOSTPASS_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const logger = createLogger('silent');
  const runtime = await openRuntime(config, logger);
  try {
    const app = await buildHttpServer({
      config,
      logger,
      db: runtime.db,
      services: runtime.services,
    });
    await app.ready();
    const document = app.swagger();
    await app.close();
    return document;
  } finally {
    await runtime.close();
  }
}

const scratch = mkdtempSync(path.join(tmpdir(), 'hostpass-client-'));
try {
  const documentFile = path.join(scratch, 'openapi.json');
  const generated = path.join(scratch, 'schema.ts');
  writeFileSync(documentFile, JSON.stringify(await openApiDocument(path.join(scratch, 'data'))));
  const result = spawnSync(
    'npx',
    [...GENERATOR, 'openapi-typescript', documentFile, '--output', generated],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (result.status !== 0) {
    console.error('openapi-typescript failed (see above).');
    process.exit(1);
  }
  const types = readFileSync(generated, 'utf8');
  if (!check) {
    writeFileSync(TARGET, types);
    console.log(`wrote ${TARGET}`);
  } else if (readFileSync(TARGET, 'utf8') !== types) {
    console.error(
      `${TARGET} is stale: the API changed. Run \`npm run client\` and commit the result.`,
    );
    process.exitCode = 1;
  } else {
    console.log(`${TARGET} matches the API.`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
