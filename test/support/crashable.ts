// A Hostpass that runs as a real `hostpass serve` child process on storage of its own, so a test
// can kill it with SIGKILL at a chosen moment and start it again on the same storage: the
// crash-recovery tests (Connect, bot launch, outgoing events) share this set-up.
import { createHostpassClient, type HostpassClient } from '../../src/client/index.ts';
import { freePort } from '../../src/free-port.ts';
import { type ServerProcess, spawnServer, waitUntilReady } from './cli.ts';
import { createTestStorage } from './engine.ts';
import { request, TEST_ENCRYPTION_KEY } from './hostpass.ts';

export interface CrashableHostpass {
  url: string;
  /** The API with the workspace's key, as the black-box tests' `world.hostpass.api`. */
  api: (path: string, init?: { method?: string; json?: unknown }) => ReturnType<typeof request>;
  client: HostpassClient;
  /** Starts a process on the shared storage (`extra` adds to its environment) once it is ready. */
  start(extra?: Record<string, string>): Promise<ServerProcess>;
  /** SIGKILL, then waits for the process to be gone. */
  kill(server: ServerProcess): Promise<void>;
  /** Kills whatever is still running; for `finally`. */
  stopAll(): Promise<void>;
}

export async function crashableHostpass(options: {
  zoomUrl: string;
  env?: Record<string, string>;
}): Promise<CrashableHostpass> {
  const storage = await createTestStorage();
  const apiKey = 'hp_crashable_test_key_0123456789';
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...storage.env,
    PORT: String(port),
    PUBLIC_URL: url,
    HOSTPASS_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    HOSTPASS_BOOTSTRAP_API_KEY: apiKey,
    ZOOM_OAUTH_URL: options.zoomUrl,
    ZOOM_API_URL: `${options.zoomUrl}/v2`,
    ...options.env,
  };
  const started: ServerProcess[] = [];
  const kill = async (server: ServerProcess) => {
    if (server.child.exitCode === null && server.child.signalCode === null)
      server.child.kill('SIGKILL');
    await server.exited;
  };
  return {
    url,
    api: (path, init = {}) =>
      request(`${url}${path}`, { ...init, headers: { authorization: `Token ${apiKey}` } }),
    client: createHostpassClient({ baseUrl: url, apiKey }),
    async start(extra = {}) {
      const server = spawnServer({ ...env, ...extra });
      started.push(server);
      // A cold start of a child process; generous, as a loaded CI machine can be slow, and the
      // start is not what these tests measure.
      await waitUntilReady(url, server, 120_000);
      return server;
    },
    kill,
    async stopAll() {
      await Promise.all(started.map(kill));
    },
  };
}
