import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Meeting } from '../emulator/model.ts';
import { createHostpassClient } from '../src/client/index.ts';
import { testEngine } from './support/engine.ts';
import {
  authorizationCode,
  type ConnectedApp,
  REDIRECT_URI,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from './support/zoom-world.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');

let world: ZoomWorld;
let connected: ConnectedApp;
let meeting: Meeting;

beforeAll(async () => {
  world = await startZoomWorld({ workers: false });
  const account = await world.zoom.createAccount({ plan: 'pro', third_party_recording: true });
  const host = await world.zoom.createUser({
    account_id: account.id,
    email: 'host@client.example',
    role: 'owner',
  });
  meeting = await world.zoom.createMeeting({ host_id: host.id, waiting_room: true });
  connected = await registerApp(world, 'user_level');
  const client = createHostpassClient({
    baseUrl: world.hostpass.url,
    apiKey: world.hostpass.apiKey,
  });
  const code = await authorizationCode(world, connected.zoomApp, host.id);
  const created = await client.POST('/api/v2/zoom-oauth-credentials/', {
    body: { oauth_app: connected.app.id, authorization_code: { code, redirect_uri: REDIRECT_URI } },
  });
  if (!created.data) throw new Error(`connecting failed: ${created.response.status}`);
  // The meeting's mapping, as the credential's first sync writes it (run here: workers are off).
  const services = world.hostpass.runtime.services;
  const sync = await services.syncs.runningSync(created.data.id);
  if (sync) while ((await services.syncRunner.runStep(sync.id)).kind !== 'done');
});
afterAll(() => world?.close());

describe('the typed client (hostpass/client)', () => {
  it('lists apps, mints a token and reads field errors, typed by the API document', async () => {
    // A trailing slash on the base URL is what people paste: it must not double the slash.
    const client = createHostpassClient({
      baseUrl: `${world.hostpass.url}/`,
      apiKey: world.hostpass.apiKey,
    });
    const apps = await client.GET('/api/v2/zoom-oauth-apps/', {
      params: { query: { kind: 'user_level', page_size: 50 } },
    });
    expect(apps.response.status).toBe(200);
    expect(apps.data?.results.map((app) => app.id)).toContain(connected.app.id);

    const minted = await client.POST('/api/v2/zoom-tokens/', {
      body: { meeting_id: Number(meeting.id), kinds: ['join_token'] },
    });
    expect(minted.response.status).toBe(200);
    expect(minted.data?.join_token?.token).toEqual(expect.any(String));

    const retrieved = await client.GET('/api/v2/zoom-oauth-apps/{id}/', {
      params: { path: { id: connected.app.id } },
    });
    expect(retrieved.data?.client_id).toBe(connected.zoomApp.client_id);

    const refused = await client.POST('/api/v2/zoom-tokens/', { body: {} });
    expect(refused.response.status).toBe(400);
    expect(refused.data).toBeUndefined();
  });

  it('sends the key as `Authorization: Token`: a wrong key is refused like any client', async () => {
    const client = createHostpassClient({ baseUrl: world.hostpass.url, apiKey: 'hp_wrong_key' });
    const answer = await client.GET('/api/v2/zoom-oauth-apps/');
    expect(answer.response.status).toBe(401);
    expect(answer.error).toEqual({ detail: 'Invalid token.' });
  });
});

/** A consumer project's code: it compiles only against types that match the API. */
const CONSUMER = `import { createHostpassClient } from 'hostpass/client';

export async function listAndMint(baseUrl: string, apiKey: string, meetingId: number) {
  const hostpass = createHostpassClient({ baseUrl, apiKey });
  const { data: apps } = await hostpass.GET('/api/v2/zoom-oauth-apps/', {
    params: { query: { page_size: 10 } },
  });
  const { data: tokens } = await hostpass.POST('/api/v2/zoom-tokens/', {
    body: { meeting_id: meetingId, kinds: ['join_token'] },
  });
  const appIds: string[] = (apps?.results ?? []).map((app) => app.id);
  const joinToken: string | undefined = tokens?.join_token?.token;
  return { appIds, joinToken };
}
`;

/** The same project getting the API wrong: a route that does not exist and a mistyped field. */
const MISTAKEN = `import { createHostpassClient } from 'hostpass/client';

const hostpass = createHostpassClient({ baseUrl: 'http://localhost:8080', apiKey: 'key' });
await hostpass.GET('/api/v2/zoom-oauth-aps/');
await hostpass.POST('/api/v2/zoom-tokens/', { body: { meeting_id: 'not a number' } });
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'es2023',
    lib: ['es2023', 'dom'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    types: [],
  },
};

// Packing does not depend on the storage engine: once, in the embedded engine's pass.
describe.skipIf(testEngine() === 'postgres')(
  'hostpass/client in a consumer project (npm pack → npm install → tsc)',
  () => {
    it('typechecks a file that lists apps and mints a token, runs it, and refuses a wrong call', async () => {
      const scratch = mkdtempSync(path.join(tmpdir(), 'hostpass-consumer-'));
      try {
        // The package is packed from a copy of the checkout, so its build (prepack) does not
        // replace dist/ under other tests' feet.
        const source = path.join(scratch, 'hostpass');
        const { stdout: files } = await run(
          'git',
          ['ls-files', '--cached', '--others', '--exclude-standard', '-z'],
          { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
        );
        for (const file of files.split('\0').filter(Boolean)) {
          mkdirSync(path.dirname(path.join(source, file)), { recursive: true });
          cpSync(path.join(ROOT, file), path.join(source, file));
        }
        symlinkSync(path.join(ROOT, 'node_modules'), path.join(source, 'node_modules'));
        const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];
        await run('npm', ['pack', '--pack-destination', scratch, ...quiet], {
          cwd: source,
          maxBuffer: 16 * 1024 * 1024,
        });
        const tarball = readdirSync(scratch).find((file) => file.endsWith('.tgz'));
        if (!tarball) throw new Error('npm pack made no tarball');

        const consumer = path.join(scratch, 'consumer');
        mkdirSync(consumer);
        writeFileSync(
          path.join(consumer, 'package.json'),
          JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
        );
        await run(
          'npm',
          [
            'install',
            path.join(scratch, tarball),
            '--prefer-offline',
            '--ignore-scripts',
            ...quiet,
          ],
          { cwd: consumer, maxBuffer: 16 * 1024 * 1024 },
        );
        writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify(TSCONFIG));
        writeFileSync(path.join(consumer, 'consumer.ts'), CONSUMER);
        const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
        await run(tsc, ['-p', consumer]);

        // Its compiled client works against a running server.
        writeFileSync(
          path.join(consumer, 'main.ts'),
          `import { listAndMint } from './consumer.ts';\n` +
            `console.log(JSON.stringify(await listAndMint(${JSON.stringify(world.hostpass.url)}, ${JSON.stringify(world.hostpass.apiKey)}, ${Number(meeting.id)})));\n`,
        );
        const { stdout } = await run(process.execPath, ['main.ts'], { cwd: consumer });
        const result = JSON.parse(stdout);
        expect(result.appIds).toContain(connected.app.id);
        expect(result.joinToken).toEqual(expect.any(String));

        rmSync(path.join(consumer, 'main.ts'));
        writeFileSync(path.join(consumer, 'mistaken.ts'), MISTAKEN);
        const mistaken = await run(tsc, ['-p', consumer]).then(
          () => '',
          (error: { stdout: string }) => error.stdout,
        );
        // Line 4: a route the API does not have; line 5: a string where the API takes a number.
        expect(mistaken).toMatch(/mistaken\.ts\(4,\d+\): error/);
        expect(mistaken).toMatch(
          /mistaken\.ts\(5,\d+\): error .*'string' is not assignable to type 'number'/,
        );
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }, 300_000);
  },
);
