// Issue #14: every process on one PostgreSQL answers token requests from memory (src/hot-path/),
// and hears of the other processes' writes through NOTIFY (migration 031). Two processes: the
// test's Hostpass (workers on) and a second `hostpass serve` child on the same database. What one
// of them remembers stops working there promptly when the other revokes it, and a process that
// lost its listening connection serves nothing from memory until it listens again.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Meeting } from '../emulator/model.ts';
import { testEngine } from './support/engine.ts';
import { request } from './support/hostpass.ts';
import {
  connectAndSync,
  eventually,
  registerApp,
  startSecondServer,
  startZoomWorld,
  type ZoomWorld,
} from './support/zoom-world.ts';

const TOKENS = '/api/v2/zoom-tokens/';
const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';
/** The listening connections of the hot path (src/db/notifications.ts names them by channel). */
const LISTENERS = 'hostpass-listen-hostpass_hot_path';
/** "Promptly": a notification takes milliseconds; this leaves room for a loaded machine. */
const PROMPTLY_MS = 5_000;
const UNLIMITED = { per_second: 100_000, per_day: null };

describe.skipIf(testEngine() !== 'postgres')(
  'two processes on one PostgreSQL: what one remembers follows what the other changes (PostgreSQL only)',
  () => {
    let world: ZoomWorld;
    let second: { url: string; stop(): Promise<void> };
    let database: pg.Client;

    beforeAll(async () => {
      world = await startZoomWorld();
      second = (await startSecondServer(world)) as { url: string; stop(): Promise<void> };
      database = new pg.Client({ connectionString: world.hostpass.storage.env.DATABASE_URL });
      await database.connect();
    }, 120_000);
    afterAll(async () => {
      await database?.end();
      await second?.stop();
      await world?.close();
    });

    /** A key of the workspace, made through the test's process, used twice on the second. */
    async function rememberedKey(name: string) {
      const created = await world.hostpass.api('/api/v2/api-keys/', {
        method: 'POST',
        json: { name },
      });
      expect(created.status, created.text).toBe(201);
      const key = {
        id: created.body.id as string,
        /** Lists credentials with this key on the second process. */
        useOnSecond: () =>
          request(`${second.url}${CREDENTIALS}`, {
            headers: { authorization: `Token ${created.body.key}` },
          }),
      };
      // The first use loads the key, the second is answered from memory.
      for (let attempt = 0; attempt < 2; attempt += 1)
        expect((await key.useOnSecond()).status).toBe(200);
      return key;
    }

    const deleteKey = async (id: string) => {
      const deleted = await world.hostpass.api(`/api/v2/api-keys/${id}/`, { method: 'DELETE' });
      expect(deleted.status, deleted.text).toBe(204);
    };

    /** Deletes the key through the test's process; the second must refuse it promptly. */
    async function deletedAndRefused(key: Awaited<ReturnType<typeof rememberedKey>>) {
      await deleteKey(key.id);
      await eventually(
        async () => ((await key.useOnSecond()).status === 401 ? true : undefined),
        'the second process to refuse the deleted key',
        PROMPTLY_MS,
      );
    }

    /** The pids of the hot path's listening connections on this database. */
    async function listeners(): Promise<number[]> {
      const { rows } = await database.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
        [LISTENERS],
      );
      return rows.map((row) => row.pid);
    }

    it('an API key deleted through one process is refused by the other promptly', async () => {
      const key = await rememberedKey('used on the second process');
      await deletedAndRefused(key);
      // Refused from then on: nothing brings the remembered key back.
      expect((await key.useOnSecond()).status).toBe(401);
    });

    /** A user-level host with a meeting, connected and synced; minted on the second process twice. */
    async function connectedMeeting() {
      const account = await world.zoom.createAccount({
        plan: 'pro',
        rate_limits: { light: UNLIMITED, medium: UNLIMITED, heavy: UNLIMITED },
      });
      const user = await world.zoom.createUser({
        account_id: account.id,
        email: `processes-${Date.now()}@hot-path.example`,
      });
      const meeting: Meeting = await world.zoom.createMeeting({ host_id: user.id });
      const connected = await registerApp(world, 'user_level');
      const credentialId = await connectAndSync(world, connected, user.id);
      const mintOnSecond = () =>
        request(`${second.url}${TOKENS}`, {
          method: 'POST',
          headers: { authorization: `Token ${world.hostpass.apiKey}` },
          json: { meeting_id: Number(meeting.id), kinds: ['join_token'] },
        });
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const minted = await mintOnSecond();
        expect(minted.status, minted.text).toBe(200);
        expect(minted.body.credential).toBe(credentialId);
      }
      return {
        credentialId,
        appId: connected.app.id as string,
        meetingId: Number(meeting.id),
        mintOnSecond,
      };
    }

    it('a remembered key and meeting are answered from memory: no query, even with their tables locked', async () => {
      const { mintOnSecond } = await connectedMeeting();
      const locker = new pg.Client({ connectionString: world.hostpass.storage.env.DATABASE_URL });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(
          'LOCK TABLE api_keys, zoom_meeting_mappings, zoom_oauth_credentials IN ACCESS EXCLUSIVE MODE',
        );
        // A query would wait for the lock: the deadline is the failure, not a synchronisation.
        let deadline: NodeJS.Timeout | undefined;
        const answer = await Promise.race([
          mintOnSecond(),
          new Promise<'blocked'>((resolve) => {
            deadline = setTimeout(() => resolve('blocked'), 10_000);
          }),
        ]);
        clearTimeout(deadline);
        expect(answer === 'blocked' ? answer : answer.status).toBe(200);
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
    });

    // An app's deletion reaches the credentials (and their mappings) as a cascade.
    it.each([
      ['a credential', (host: { credentialId: string }) => `${CREDENTIALS}${host.credentialId}/`],
      ['an app', (host: { appId: string }) => `/api/v2/zoom-oauth-apps/${host.appId}/`],
    ])('%s deleted through one process mints nothing more on the other', async (_, path) => {
      const host = await connectedMeeting();
      const { mintOnSecond } = host;
      const deleted = await world.hostpass.api(path(host), { method: 'DELETE' });
      expect(deleted.status, deleted.text).toBe(204);
      const noCredential = async () => {
        const minted = await mintOnSecond();
        return minted.status === 404 && minted.body.code === 'no_credential_for_meeting'
          ? true
          : undefined;
      };
      await eventually(
        noCredential,
        'the second process to stop minting with the deleted grant',
        PROMPTLY_MS,
      );
      expect(await noCredential()).toBe(true);
    });

    it('a token URL revoked through one process answers 404 on the other promptly', async () => {
      const { meetingId } = await connectedMeeting();
      const made = await world.hostpass.api('/api/v2/zoom-token-urls/', {
        method: 'POST',
        json: { meeting_id: meetingId, kinds: ['join_token'] },
      });
      expect(made.status, made.text).toBe(200);
      const url = new URL(made.body.join_token_url as string);
      const getOnSecond = () => request(`${second.url}${url.pathname}${url.search}`);
      // The first GET reads the set's row, the second is answered from memory.
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const got = await getOnSecond();
        expect(got.status, got.text).toBe(200);
      }
      const revoked = await world.hostpass.api(`/api/v2/zoom-token-urls/${made.body.id}/`, {
        method: 'DELETE',
      });
      expect(revoked.status, revoked.text).toBe(204);
      const refused = async () => {
        const got = await getOnSecond();
        return got.status === 404 && got.body.code === 'token_url_revoked' ? true : undefined;
      };
      await eventually(refused, 'the second process to refuse the revoked token URL', PROMPTLY_MS);
      // Refused from then on: nothing brings the remembered set back.
      expect(await refused()).toBe(true);
    });

    it('a credential made unhealthy through one process is not used by the other', async () => {
      const host = await connectedMeeting();
      // A wrong client secret: validating fails the refresh, nothing else changes (the access
      // token still works at Zoom, so a process that missed the change would go on minting).
      const patched = await world.hostpass.api(`/api/v2/zoom-oauth-apps/${host.appId}/`, {
        method: 'PATCH',
        json: { client_secret: 'wrong-secret-for-now' },
      });
      expect(patched.status, patched.text).toBe(200);
      const broken = await world.hostpass.api(`${CREDENTIALS}${host.credentialId}/validate/`, {
        method: 'POST',
      });
      expect(broken.body.status, broken.text).toBe('unhealthy');
      await eventually(
        async () => {
          const minted = await host.mintOnSecond();
          return minted.body.errors?.join_token?.code === 'credential_unhealthy' ? true : undefined;
        },
        'the second process to stop using the unhealthy credential',
        PROMPTLY_MS,
      );
    });

    it('a process whose listening connection was killed serves nothing stale from memory', async () => {
      const key = await rememberedKey('remembered, then deleted unheard');
      // Both processes lose their listening connections: the deletion below is heard by neither.
      const killed = await listeners();
      expect(killed).toHaveLength(2);
      await database.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [
        killed,
      ]);
      await eventually(
        async () => ((await listeners()).some((pid) => killed.includes(pid)) ? undefined : true),
        'the killed connections to be gone',
      );
      await deleteKey(key.id);
      // No waiting: unheard, the second process must read the store, not its memory.
      expect((await key.useOnSecond()).status).toBe(401);

      // Listening again (each process reconnects on its own), memory serves and follows again.
      await eventually(
        async () => ((await listeners()).length === 2 ? true : undefined),
        'both processes to listen again',
      );
      await deletedAndRefused(await rememberedKey('remembered after the reconnection'));
    });
  },
);
