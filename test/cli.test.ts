import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.ts';
import { runCli, type ServerProcess, spawnServer, waitUntilReady } from './support/cli.ts';
import { createTestStorage, testEngine } from './support/engine.ts';
import { request } from './support/hostpass.ts';

const ENCRYPTION_KEY = `cli:${randomBytes(32).toString('base64')}`;
const running: ServerProcess[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
});

async function storageEnv(): Promise<Record<string, string>> {
  return { ...(await createTestStorage()).env, HOSTPASS_ENCRYPTION_KEYS: ENCRYPTION_KEY };
}

async function startServer(
  env: Record<string, string>,
): Promise<{ url: string; server: ServerProcess }> {
  const port = await freePort();
  const server = spawnServer({ ...env, PORT: String(port), LOG_LEVEL: 'info' });
  running.push(server);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, server);
  return { url, server };
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';
const listApps = (url: string, key: string) =>
  request(`${url}/api/v2/zoom-oauth-apps/`, { headers: { authorization: `Token ${key}` } });

// Each test runs several CLI processes one after another, each opening its own store: generous
// hang guards, since a loaded machine (PGlite start-up is CPU-bound) can take a while.
describe('hostpass serve', { timeout: 120_000 }, () => {
  it('on an empty store, creates a workspace and prints its first key once; restarts print none', async () => {
    const env = await storageEnv();
    const { url, server } = await startServer(env);
    const { stderr, stdout } = server.output();
    const key = /^ {6}(hp_\S+)$/m.exec(stderr)?.[1];
    expect(key, stderr).toBeTruthy();
    expect((await listApps(url, String(key))).status).toBe(200);
    // The key is printed on the terminal, never in the JSON logs.
    expect(stdout).not.toContain(String(key));

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output().stdout).toContain('"msg":"stopped"');

    const again = await startServer(env);
    expect(again.server.output().stderr).not.toContain('hp_');
    expect((await listApps(again.url, String(key))).status).toBe(200);
  });

  it('uses HOSTPASS_BOOTSTRAP_API_KEY on an empty store and prints nothing', async () => {
    const bootstrap = `hp_bootstrap_${randomBytes(12).toString('hex')}`;
    const { url, server } = await startServer({
      ...(await storageEnv()),
      HOSTPASS_BOOTSTRAP_API_KEY: bootstrap,
    });
    expect(server.output().stderr).not.toContain(bootstrap);
    expect((await listApps(url, bootstrap)).status).toBe(200);
  });

  it('refuses bad configuration with one clear line per bad value', async () => {
    const result = await runCli(['serve'], {
      PORT: 'eighty',
      HOSTPASS_ENCRYPTION_KEYS: 'k1:short',
      PUBLIC_URL: 'not a url',
      LOG_LEVEL: 'loud',
      HOSTPASS_CONNECT_RETURN_ORIGINS: 'https://app.example.com/connected',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT must be a whole number from 0 to 65535 (got "eighty").');
    expect(result.stderr).toContain(
      'HOSTPASS_ENCRYPTION_KEYS: key "k1" must be 32 bytes encoded in base64 (got 3 bytes).',
    );
    expect(result.stderr).toContain('PUBLIC_URL must be an absolute http(s) URL');
    expect(result.stderr).toContain('LOG_LEVEL must be one of');
    expect(result.stderr).toContain(
      'HOSTPASS_CONNECT_RETURN_ORIGINS must be a comma-separated list of origins such as https://app.example.com (scheme and host, no path); not an origin: "https://app.example.com/connected".',
    );
    expect(result.stderr).not.toContain('    at '); // no stack trace
  });
});

describe('hostpass workspaces and keys', { timeout: 120_000 }, () => {
  it('creates a workspace whose key (last line of stdout) works, and manages keys', async () => {
    const env = await storageEnv();
    const created = await runCli(['workspaces', 'create', 'Acme'], env);
    expect(created.code, created.stderr).toBe(0);
    const workspaceKey = lastLine(created.stdout);
    expect(workspaceKey).toMatch(/^hp_[A-Za-z0-9_-]{32}$/);

    const workspaceId = /workspace ([0-9a-f-]{36})/.exec(created.stdout)?.[1] ?? '';
    const second = await runCli(
      ['keys', 'create', '--workspace', workspaceId, '--name', 'deploy'],
      env,
    );
    expect(second.code, second.stderr).toBe(0);
    const secondKey = lastLine(second.stdout);

    const listed = await runCli(['keys', 'list', '--workspace', workspaceId], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n')).toHaveLength(2);
    expect(listed.stdout).not.toContain(workspaceKey);
    expect(listed.stdout).toContain(secondKey.slice(0, 7));

    const secondId = /API key ([0-9a-f-]{36})/.exec(second.stdout)?.[1] ?? '';
    const revoked = await runCli(['keys', 'revoke', secondId], env);
    expect(revoked.code, revoked.stderr).toBe(0);

    const migrate = await runCli(['migrate'], env);
    expect(migrate.stdout).toContain('Database schema is up to date.');

    const { url } = await startServer(env);
    expect((await listApps(url, workspaceKey)).status).toBe(200);
    expect((await listApps(url, secondKey)).status).toBe(401);
  });

  it('asks for --workspace when several workspaces exist', async () => {
    const env = await storageEnv();
    await runCli(['workspaces', 'create', 'one'], env);
    await runCli(['workspaces', 'create', 'two'], env);
    const result = await runCli(['keys', 'create'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Several workspaces exist; choose one with --workspace');
  });

  it.runIf(testEngine() === 'pglite')(
    'says plainly that the embedded store is in use by a running server, and exits non-zero',
    async () => {
      const env = await storageEnv();
      const { server } = await startServer(env);
      const result = await runCli(['keys', 'list'], env);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `The embedded store in ${env.HOSTPASS_DATA_DIR} is in use by another Hostpass process (pid ${server.child.pid}). ` +
          'Stop that process first, or use the REST API of the running server instead.',
      );
    },
  );

  it('prints a usable encryption key', async () => {
    const result = await runCli(['keys', 'generate-encryption-key', '--id', 'k9'], {});
    expect(result.stdout.trim()).toMatch(/^k9:[A-Za-z0-9+/]{43}=$/);
  });
});
