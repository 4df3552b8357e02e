// Graceful shutdown under load (issue 17): a server busy with a fleet's backlog of initial syncs,
// some of them waiting on Zoom, stops promptly on SIGTERM without losing any of that work.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { freePort } from '../src/free-port.ts';
import { runCli, type ServerProcess, spawnServer, waitUntilReady } from './support/cli.ts';
import { request, startTestHostpass, TEST_ENCRYPTION_KEY } from './support/hostpass.ts';
import { eventually, registerApp } from './support/zoom-world.ts';

/** Imported credentials, each with an initial sync queued: 10 accounts of 20 users. */
const FLEET = 200;
/** Hostpass's own deadline for a call to Zoom (src/zoom/http.ts). */
const ZOOM_CALL_TIMEOUT_MS = 10_000;

let emulator: RunningEmulator;
let directory: string;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  directory = await mkdtemp(path.join(os.tmpdir(), 'hostpass-shutdown-'));
});
afterAll(async () => {
  await emulator.close();
  await rm(directory, { recursive: true, force: true });
});

describe('SIGTERM with a backlog of jobs', () => {
  it('exits with 0 without waiting for Zoom, and the next process completes every sync', {
    timeout: 180_000,
  }, async () => {
    const zoomEnv = { ZOOM_OAUTH_URL: emulator.url, ZOOM_API_URL: `${emulator.url}/v2` };
    const setup = await startTestHostpass({ env: zoomEnv, workers: false, logLevel: 'warn' });
    const connected = await registerApp({ zoom: emulator.admin, hostpass: setup }, 'user_level');
    const { storage, apiKey } = setup;
    await setup.close();

    const { grants } = await emulator.admin.seedFleet({
      client_id: connected.zoomApp.client_id,
      accounts: FLEET / 20,
      users_per_account: 20,
      email_prefix: 'backlog',
    });
    const file = path.join(directory, 'grants.ndjson');
    await writeFile(file, `${grants.map((grant) => JSON.stringify(grant)).join('\n')}\n`);
    const env = {
      ...storage.env,
      ...zoomEnv,
      HOSTPASS_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
      HOSTPASS_BOOTSTRAP_API_KEY: apiKey,
    };
    const imported = await runCli(['credentials', 'import', '--app', connected.app.id, file], env);
    expect(imported.code, imported.stderr).toBe(0);

    const servers: ServerProcess[] = [];
    const start = async () => {
      const port = await freePort();
      const server = spawnServer({ ...env, PORT: String(port) });
      servers.push(server);
      const url = `http://127.0.0.1:${port}`;
      await waitUntilReady(url, server);
      const api = (route: string) =>
        request(`${url}${route}`, { headers: { authorization: `Token ${apiKey}` } });
      return { server, api };
    };
    const held = async (faultId: string) =>
      (await emulator.admin.faults()).find((fault) => fault.id === faultId)?.held ?? 0;

    try {
      // Zoom holds every meeting list it is asked for: the syncs that get that far wait on it,
      // the rest of the fleet's syncs are queued behind them.
      const hold = await emulator.admin.addFault({
        path_pattern: '/v2/users/*/meetings',
        hold_response_after_commit: true,
      });
      const busy = await start();
      await eventually(
        async () => ((await held(hold.id)) >= 10 ? true : undefined),
        'sync steps waiting on Zoom',
        60_000,
      );
      const before = await busy.api('/api/v2/stats/');
      expect(before.body.credentials.by_meeting_sync_status.in_progress).toBeGreaterThan(FLEET / 2);

      const signalled = performance.now();
      busy.server.child.kill('SIGTERM');
      expect(await busy.server.exited, busy.server.output().stderr).toBe(0);
      // Zoom still holds those answers: the steps waiting on them were given up (they resume in
      // the next process), not waited for until Hostpass's own deadline for a Zoom call.
      expect(performance.now() - signalled).toBeLessThan(ZOOM_CALL_TIMEOUT_MS);
      expect(await held(hold.id)).toBeGreaterThan(0);

      await emulator.admin.clearFaults();
      const next = await start();
      const done = await eventually(
        async () => {
          const stats = await next.api('/api/v2/stats/');
          const syncs = stats.body.credentials.by_meeting_sync_status;
          return syncs.in_progress === 0 ? stats.body.credentials : undefined;
        },
        'every initial sync to finish after the restart',
        150_000,
      );
      expect(done.by_meeting_sync_status).toMatchObject({ completed: FLEET, failed: 0 });
      expect(done.by_status).toMatchObject({ healthy: FLEET });
      next.server.child.kill('SIGTERM');
      expect(await next.server.exited).toBe(0);
    } finally {
      for (const server of servers) server.child.kill('SIGKILL');
      await Promise.all(servers.map((server) => server.exited));
    }
  });
});
