import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { selectEverything } from '../support/dump.ts';
import { createTestStorage, type TestStorage } from '../support/engine.ts';
import { startTestHostpass, type TestHostpass } from '../support/hostpass.ts';
import {
  connectCredential,
  createZoomUser,
  registerApp,
  startZoomWorld,
} from '../support/zoom-world.ts';

const newKey = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

/** PGlite keeps everything in files under the data dir: read them all as raw bytes. */
async function rawDataFiles(storage: TestStorage): Promise<Buffer[]> {
  const dataDir = storage.env.HOSTPASS_DATA_DIR;
  if (!dataDir) return [];
  const entries = await readdir(dataDir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map((entry) => readFile(path.join(entry.parentPath, entry.name))),
  );
}

async function createApp(hostpass: TestHostpass, secrets: { client: string; webhook: string }) {
  const response = await hostpass.api('/api/v2/zoom-oauth-apps/', {
    method: 'POST',
    json: {
      kind: 'user_level',
      client_id: `c-${randomBytes(4).toString('hex')}`,
      client_secret: secrets.client,
      webhook_secret: secrets.webhook,
    },
  });
  expect(response.status).toBe(201);
  return response.body as { id: string };
}

describe('secrets at rest and in logs', () => {
  it('keeps secrets out of every response, every log line and the database', async () => {
    const hostpass = await startTestHostpass({ logLevel: 'trace' });
    const secrets = {
      client: `CLIENTSECRET${randomBytes(12).toString('hex')}`,
      webhook: `WEBHOOKSECRET${randomBytes(12).toString('hex')}`,
    };
    const rotated = `ROTATEDSECRET${randomBytes(12).toString('hex')}`;
    try {
      const app = await createApp(hostpass, secrets);
      const responses = [
        await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`),
        await hostpass.api('/api/v2/zoom-oauth-apps/'),
        await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`, {
          method: 'PATCH',
          json: { client_secret: rotated },
        }),
        await hostpass.api('/api/v2/zoom-oauth-app-logs/'),
        // A failing request carrying a secret must not echo it either.
        await hostpass.api('/api/v2/zoom-oauth-apps/', {
          method: 'POST',
          json: { kind: 'user_level', client_secret: rotated, oops: 1 },
        }),
      ];
      const newKey = await hostpass.api('/api/v2/api-keys/', {
        method: 'POST',
        json: { name: 'x' },
      });
      const everything = [
        ...responses.map((response) => response.text),
        ...hostpass.logLines,
        await selectEverything(hostpass.runtime.db),
      ].join('\n');
      expect(hostpass.logLines.length).toBeGreaterThan(5);
      for (const secret of [
        secrets.client,
        secrets.webhook,
        rotated,
        hostpass.apiKey,
        newKey.body.key,
      ]) {
        expect(everything).not.toContain(secret);
      }
      await hostpass.close();
      // Closed cleanly: every file of an embedded store is on disk now.
      for (const file of await rawDataFiles(hostpass.storage)) {
        for (const secret of [secrets.client, secrets.webhook, rotated])
          expect(file.includes(secret)).toBe(false);
      }
    } finally {
      await hostpass.close().catch(() => {});
    }
  });
});

describe('Zoom tokens at rest and in logs', () => {
  it('keeps every access and refresh token Zoom issued out of the logs and the database', async () => {
    const world = await startZoomWorld({ logLevel: 'trace' });
    try {
      const connected = await registerApp(world, 'user_level');
      const created = await connectCredential(world, connected, (await createZoomUser(world)).id);
      expect(created.status).toBe(201);
      // A refresh rotates the refresh token: both generations must stay out of sight.
      await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${created.body.id}/validate/`, {
        method: 'POST',
      });
      const state = await world.zoom.state();
      const issued = [
        ...state.access_tokens.map((record) => record.token),
        ...state.grants.map((grant) => grant.refresh_token),
        ...state.codes.map((code) => code.code),
      ];
      expect(issued.length).toBeGreaterThanOrEqual(4);
      const everything = [
        ...world.hostpass.logLines,
        await selectEverything(world.hostpass.runtime.db),
      ].join('\n');
      for (const token of issued) expect(everything).not.toContain(token);
      expect(everything).not.toContain(connected.zoomApp.client_secret);
    } finally {
      await world.close();
    }
  });
});

describe('encryption key rotation', () => {
  it('re-encrypts everything under the new first key, after which the old key can be removed', async () => {
    const storage = await createTestStorage();
    const oldKey = newKey('old');
    const rotatedKey = newKey('new');
    const secrets = {
      client: `client-${randomBytes(8).toString('hex')}`,
      webhook: `webhook-${randomBytes(8).toString('hex')}`,
    };

    const first = await startTestHostpass({ storage, env: { HOSTPASS_ENCRYPTION_KEYS: oldKey } });
    const app = await createApp(first, secrets);
    await first.close();

    // Removing the old key before rotating is refused with an explanation, not a crash later.
    await expect(
      startTestHostpass({ storage, env: { HOSTPASS_ENCRYPTION_KEYS: rotatedKey } }),
    ).rejects.toThrow(
      /sealed with encryption keys that HOSTPASS_ENCRYPTION_KEYS no longer has: "old" \(2 values\)/,
    );

    const rotation = await runCli(['keys', 'rotate-encryption'], {
      ...storage.env,
      HOSTPASS_ENCRYPTION_KEYS: `${rotatedKey},${oldKey}`,
    });
    expect(rotation.stderr).toBe('');
    expect(rotation.code).toBe(0);
    expect(rotation.stdout).toContain('Re-encrypted 2 secrets with key "new".');
    expect(rotation.stdout).toContain(
      'No stored secret uses key "old" any more: it can be removed.',
    );

    const after = await startTestHostpass({
      storage,
      env: { HOSTPASS_ENCRYPTION_KEYS: rotatedKey },
    });
    try {
      expect(await after.runtime.services.appService.secrets(app.id)).toEqual({
        clientId: expect.any(String),
        clientSecret: secrets.client,
        webhookSecret: secrets.webhook,
      });
      const { rows } = await after.runtime.db.query<{ client_secret_sealed: string }>(
        'SELECT client_secret_sealed FROM zoom_oauth_apps WHERE id = $1',
        [app.id],
      );
      expect(rows[0]?.client_secret_sealed).toMatch(/^v1:new:/);
    } finally {
      await after.close();
    }
  });
});
