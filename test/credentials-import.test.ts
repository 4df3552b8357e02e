// Issue #17's seeding path, as an operator runs it: the emulator grants a fleet of users an app
// in one call, `hostpass credentials import` stores those grants, and the running server then
// keeps them alive with its real refresh and sync code.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorAdminError } from '../emulator/admin-client.ts';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { runCli } from './support/cli.ts';
import { startTestHostpass, TEST_ENCRYPTION_KEY, type TestHostpass } from './support/hostpass.ts';
import { eventually, registerApp } from './support/zoom-world.ts';

const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';

describe('importing grants', () => {
  let emulator: RunningEmulator;
  let hostpass: TestHostpass | undefined;
  let directory: string;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    directory = await mkdtemp(path.join(os.tmpdir(), 'hostpass-import-'));
  });
  /** Whether Zoom takes the token (a /users/me call with it). */
  const zoomAccepts = async (token: string) => {
    const response = await fetch(`${emulator.url}/v2/users/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await response.body?.cancel();
    return response.status === 200;
  };
  afterAll(async () => {
    await hostpass?.close();
    await emulator.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('imports a seeded fleet once, refuses a bad file whole, and the server keeps the credentials alive', async () => {
    const env = { ZOOM_OAUTH_URL: emulator.url, ZOOM_API_URL: `${emulator.url}/v2` };
    const first = await startTestHostpass({ env, workers: false, logLevel: 'warn' });
    const world = { zoom: emulator.admin, hostpass: first };
    const connected = await registerApp(world, 'user_level', { access_token_ttl_seconds: 60 });
    const accountApp = await registerApp(world, 'account_level');
    const { storage, apiKey } = first;
    await first.close();

    await expect(
      emulator.admin.seedFleet({
        client_id: accountApp.zoomApp.client_id,
        accounts: 1,
        users_per_account: 2,
        email_prefix: 'acct',
      }),
    ).rejects.toBeInstanceOf(EmulatorAdminError);
    const { grants } = await emulator.admin.seedFleet({
      client_id: connected.zoomApp.client_id,
      accounts: 2,
      users_per_account: 3,
      email_prefix: 'fleet',
    });
    expect(grants).toHaveLength(6);
    expect(new Set(grants.map((grant) => grant.user.account_id)).size).toBe(2);

    const cliEnv = { ...storage.env, ...env, HOSTPASS_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY };
    const good = path.join(directory, 'grants.ndjson');
    await writeFile(good, `${grants.map((grant) => JSON.stringify(grant)).join('\n')}\n`);
    const bad = path.join(directory, 'bad.ndjson');
    await writeFile(bad, `${JSON.stringify(grants[0])}\n{"user": {"id": "x"}}\n`);

    const refused = await runCli(['credentials', 'import', '--app', connected.app.id, bad], cliEnv);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('line 2 is not a grant');
    expect(refused.stderr).not.toContain(grants[0]?.refresh_token);
    const wrongApp = await runCli(
      ['credentials', 'import', '--app', accountApp.app.id, good],
      cliEnv,
    );
    expect(wrongApp.code).toBe(1);
    expect(wrongApp.stderr).toContain('Only grants of user-level apps can be imported.');

    const imported = await runCli(
      ['credentials', 'import', '--app', connected.app.id, good],
      cliEnv,
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Imported 6 credentials');
    const again = await runCli(['credentials', 'import', '--app', connected.app.id, good], cliEnv);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Imported 0 credentials');
    expect(again.stdout).toContain('6 already connected');

    hostpass = await startTestHostpass({ env, storage, apiKey, logLevel: 'warn' });
    const server = hostpass;
    const list = await server.api(`${CREDENTIALS}?oauth_app=${connected.app.id}`);
    expect(list.status).toBe(200);
    expect(list.body.results).toHaveLength(6);
    expect(new Set(list.body.results.map((row: { user_id: string }) => row.user_id))).toEqual(
      new Set(grants.map((grant) => grant.user.id)),
    );
    const sample = list.body.results[0];
    expect(sample.status).toBe('healthy');
    // The initial syncs the import queued run on the server's workers.
    await eventually(async () => {
      const synced = await server.api(`${CREDENTIALS}?meeting_sync_status=completed`);
      return synced.body.results.length === 6 ? true : undefined;
    }, 'the initial syncs');
    // The imported token works, and the real refresh code renews it (background refreshes of the
    // one-minute tokens may run meanwhile: Zoom's count grows by at least the validation).
    const token = await server.api(`${CREDENTIALS}${sample.id}/access-token/`);
    expect(token.status).toBe(200);
    expect(await zoomAccepts(token.body.token)).toBe(true);
    const before = (await emulator.admin.requests()).by_grant_type.refresh_token ?? 0;
    const validated = await server.api(`${CREDENTIALS}${sample.id}/validate/`, { method: 'POST' });
    expect(validated.status, validated.text).toBe(200);
    const after = (await emulator.admin.requests()).by_grant_type.refresh_token ?? 0;
    expect(after).toBeGreaterThan(before);
    const renewed = await server.api(`${CREDENTIALS}${sample.id}/access-token/`);
    expect(renewed.body.token).not.toBe(token.body.token);
    expect(await zoomAccepts(renewed.body.token)).toBe(true);
    const logs = await server.api(`/api/v2/zoom-oauth-credential-logs/?credential=${sample.id}`);
    expect(logs.body.results.map((entry: { message: string }) => entry.message)).toContain(
      `Imported the grant of Zoom user ${sample.user_id}.`,
    );
  }, 60_000);

  it('lists the imported fleet one account at a time, and a sync waiting its turn gets no second step job', async () => {
    const env = { ZOOM_OAUTH_URL: emulator.url, ZOOM_API_URL: `${emulator.url}/v2` };
    const first = await startTestHostpass({ env, workers: false, logLevel: 'warn' });
    const connected = await registerApp({ zoom: emulator.admin, hostpass: first }, 'user_level');
    const { storage, apiKey } = first;
    await first.close();
    const accounts = 5;
    const perAccount = 20;
    const { grants } = await emulator.admin.seedFleet({
      client_id: connected.zoomApp.client_id,
      accounts,
      users_per_account: perAccount,
      email_prefix: 'turns',
    });
    // The file groups its grants by account, as the emulator answers them.
    const file = path.join(directory, 'turns.ndjson');
    await writeFile(file, `${grants.map((grant) => JSON.stringify(grant)).join('\n')}\n`);
    const cliEnv = { ...storage.env, ...env, HOSTPASS_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY };
    const imported = await runCli(
      ['credentials', 'import', '--app', connected.app.id, file],
      cliEnv,
    );
    expect(imported.code, imported.stderr).toBe(0);

    // Slow enough that most of the 100 initial syncs wait in the queue when the server starts
    // (and its pass over abandoned syncs runs).
    await emulator.admin.addFault({ path_pattern: '/v2/users/me', latency_ms: 1000 });
    const server = await startTestHostpass({ env, storage, apiKey, logLevel: 'warn' });
    try {
      // In the import's order (oldest first): the accounts in turn.
      const listed = await server.api(`${CREDENTIALS}?oauth_app=${connected.app.id}&page_size=10`);
      const accountOf = new Map(grants.map((grant) => [grant.user.id, grant.user.account_id]));
      const firstAccounts = listed.body.results.map((row: { user_id: string }) =>
        accountOf.get(row.user_id),
      );
      expect(new Set(firstAccounts.slice(0, accounts)).size).toBe(accounts);
      // Syncs with two step jobs waiting at once: the server's pass over abandoned syncs ran at
      // start-up, while most of them waited their turn; none may have been queued again.
      const waitingTwice = async () => {
        const { rows } = await server.runtime.db.query<{ sync_id: string }>(
          `SELECT data->>'syncId' AS sync_id FROM pgboss.job
           WHERE name = 'meeting-sync-step' AND state IN ('created', 'retry')
           GROUP BY 1 HAVING count(*) > 1`,
        );
        return rows.length;
      };
      let samples = 0;
      let duplicated = 0;
      await eventually(
        async () => {
          duplicated = Math.max(duplicated, await waitingTwice());
          samples += 1;
          const stats = await server.api('/api/v2/stats/');
          return stats.body.credentials.by_meeting_sync_status.completed === accounts * perAccount
            ? true
            : undefined;
        },
        'the initial syncs',
        30_000,
      );
      expect(samples).toBeGreaterThan(1);
      expect(duplicated).toBe(0);
    } finally {
      await emulator.admin.clearFaults();
      await server.close();
    }
  }, 60_000);
});
