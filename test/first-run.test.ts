/**
 * Issue 13, items 4 and 8: what a first start does when the operator's set-up is wrong (a bootstrap
 * key nobody could use, a port already taken), and how a store whose first key nobody saw says so.
 * Real `hostpass serve` processes on the engine under test.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import { freePort } from '../src/free-port.ts';
import { runCli, type ServerProcess, spawnServer, waitUntilReady } from './support/cli.ts';
import { createTestStorage } from './support/engine.ts';
import { request } from './support/hostpass.ts';

const ENCRYPTION_KEY = `first:${randomBytes(32).toString('base64')}`;
const running: ServerProcess[] = [];
const blockers: Server[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  for (const blocker of blockers.splice(0)) await new Promise((done) => blocker.close(done));
});

async function storageEnv(): Promise<Record<string, string>> {
  return { ...(await createTestStorage()).env, HOSTPASS_ENCRYPTION_KEYS: ENCRYPTION_KEY };
}

async function startServer(env: Record<string, string>, port?: number) {
  const chosen = port ?? (await freePort());
  const server = spawnServer({ ...env, PORT: String(chosen) });
  running.push(server);
  const url = `http://127.0.0.1:${chosen}`;
  await waitUntilReady(url, server, 180_000);
  return { url, server };
}

async function stop(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
}

/** The store as the server sees it, opened while no server runs (PGlite allows one process). */
async function openStore(env: Record<string, string>): Promise<Database> {
  if (env.DATABASE_URL) {
    const { openPostgresDatabase } = await import('../src/db/postgres.ts');
    return openPostgresDatabase(env.DATABASE_URL, 1);
  }
  const { openPgliteDatabase } = await import('../src/db/pglite.ts');
  return openPgliteDatabase(path.join(String(env.HOSTPASS_DATA_DIR), 'pgdata'));
}

const firstKeyOf = (stderr: string) => /^ {6}(hp_\S+)$/m.exec(stderr)?.[1];
const listApps = (url: string, key: string) =>
  request(`${url}/api/v2/zoom-oauth-apps/`, { headers: { authorization: `Token ${key}` } });

describe('first start', { timeout: 600_000 }, () => {
  it('refuses a HOSTPASS_BOOTSTRAP_API_KEY that could never authenticate, with one clear line', async () => {
    const env = await storageEnv();
    for (const [value, got] of [
      ['my key', '6 characters with whitespace'],
      ['a', '1 character'],
      ['hp_bootstrap key_with a space', '29 characters with whitespace'],
    ] as const) {
      const result = await runCli(['serve'], {
        ...env,
        PORT: String(await freePort()),
        HOSTPASS_BOOTSTRAP_API_KEY: value,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `HOSTPASS_BOOTSTRAP_API_KEY must be at least 24 characters long, without spaces (got ${got}).`,
      );
      expect(result.stderr).not.toContain(value === 'a' ? 'got "a"' : value);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
    // The refusals created nothing: the first good start still sets up the store with its key.
    const key = `hp_bootstrap_${randomBytes(12).toString('hex')}`;
    const { url } = await startServer({ ...env, HOSTPASS_BOOTSTRAP_API_KEY: key });
    expect((await listApps(url, key)).status).toBe(200);
  });

  it('with its port taken, says so in one line, exits 1 and creates nothing; the next start prints the first key', async () => {
    const env = await storageEnv();
    const port = await freePort();
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((listening) => blocker.listen(port, '127.0.0.1', listening));

    const busy = spawnServer({ ...env, PORT: String(port) });
    running.push(busy);
    expect(await busy.exited).toBe(1);
    const { stdout, stderr } = busy.output();
    expect(stderr.trim().split('\n')).toEqual([
      `port ${port} is in use: set PORT=<a free port> (e.g. PORT=8080), or stop what is listening on it.`,
    ]);
    expect(stdout).toBe('');

    await new Promise((done) => blocker.close(done));
    blockers.splice(0);
    const { url, server } = await startServer(env, port);
    const key = firstKeyOf(server.output().stderr);
    expect(key, server.output().stderr).toBeTruthy();
    expect((await listApps(url, String(key))).status).toBe(200);
    expect(server.output().stderr).not.toContain('keys create');
  });

  it('names a workspace whose only key was never shown, with the command that makes one', async () => {
    const env = await storageEnv();
    const first = await startServer(env);
    expect(firstKeyOf(first.server.output().stderr)).toBeTruthy();
    await stop(first.server);
    // What a process leaves behind when it dies between creating the first key and printing it.
    const db = await openStore(env);
    const { rows } = await db.query<{ id: string }>(
      'UPDATE api_keys SET shown_at = NULL RETURNING workspace_id AS id',
    );
    await db.close();
    const workspaceId = String(rows[0]?.id);

    const second = await startServer(env);
    const hint = second.server.output().stderr;
    expect(firstKeyOf(hint)).toBeUndefined();
    expect(hint).toContain(
      `Workspace "Default workspace" (${workspaceId}) has no API key that was ever shown: ${env.DATABASE_URL ? '' : 'stop Hostpass and '}run \`npx hostpass keys create --workspace ${workspaceId}\` to make one.`,
    );
    await stop(second.server);

    // Following the hint gets the operator in, and the hint goes away.
    const created = await runCli(['keys', 'create', '--workspace', workspaceId], env);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim().split('\n').at(-1) ?? '';
    const third = await startServer(env);
    expect(third.server.output().stderr).not.toContain('keys create');
    expect((await listApps(third.url, key)).status).toBe(200);
  });
});
