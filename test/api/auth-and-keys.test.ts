import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestHostpass, type TestHostpass } from '../support/hostpass.ts';

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;
let hostpass: TestHostpass;

beforeAll(async () => {
  hostpass = await startTestHostpass({ env: { HOSTPASS_ADMIN_TOKEN: ADMIN_TOKEN } });
});
afterAll(() => hostpass.close());

const APPS = '/api/v2/zoom-oauth-apps/';

describe('API key authentication', () => {
  it('accepts `Token <key>` and the bare key', async () => {
    expect(
      (await hostpass.api(APPS, { headers: { authorization: `Token ${hostpass.apiKey}` } })).status,
    ).toBe(200);
    expect((await hostpass.api(APPS, { headers: { authorization: hostpass.apiKey } })).status).toBe(
      200,
    );
  });

  const MISSING =
    /^Authentication credentials were not provided\. Send the header "Authorization: Token <API key>"\.$/;
  const MALFORMED = /^Invalid token header\. Send the header "Authorization: Token <API key>"/;
  it.each([
    ['no header', undefined, MISSING],
    ['an empty header', '', MISSING],
    ['a blank header', '   ', MISSING],
    ['a wrong key', 'Token hp_not_a_real_key', 'Invalid token.'],
    ['a wrong bare key', 'hp_not_a_real_key', 'Invalid token.'],
    ['the right key with the Bearer scheme', 'BEARER', MALFORMED],
    ['Basic credentials', 'Basic dXNlcjpwYXNz', MALFORMED],
    ['the keyword alone', 'Token', MALFORMED],
    ['the key with trailing junk', 'KEY extra', MALFORMED],
  ])('refuses %s with 401 and a detail that says what to send', async (_label, header, detail) => {
    const headers: Record<string, string> = {};
    if (header !== undefined) {
      headers.authorization = header
        .replace('BEARER', `Bearer ${hostpass.apiKey}`)
        .replace('KEY', hostpass.apiKey);
    }
    const response = await request(`${hostpass.url}${APPS}`, { headers });
    expect(response.status).toBe(401);
    expect(Object.keys(response.body)).toEqual(['detail']);
    if (typeof detail === 'string') expect(response.body.detail).toBe(detail);
    else expect(response.body.detail).toMatch(detail);
  });
});

describe('/api/v2/api-keys/', () => {
  it('creates a key shown once, lists it by prefix only, and the new key works', async () => {
    const created = await hostpass.api('/api/v2/api-keys/', {
      method: 'POST',
      json: { name: 'ci runner' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'ci runner',
      prefix: created.body.key.slice(0, 7),
      created_at: expect.any(String),
      key: expect.stringMatching(/^hp_[A-Za-z0-9_-]{32}$/),
    });
    const listed = await hostpass.api('/api/v2/api-keys/?ordering=created_at');
    expect(listed.text).not.toContain(created.body.key);
    expect(listed.body.results.find((key: { id: string }) => key.id === created.body.id)).toEqual({
      id: created.body.id,
      name: 'ci runner',
      prefix: created.body.prefix,
      created_at: created.body.created_at,
    });
    expect(
      (
        await request(`${hostpass.url}${APPS}`, {
          headers: { authorization: `Token ${created.body.key}` },
        })
      ).status,
    ).toBe(200);
  });

  it('revokes a key: it stops working at once', async () => {
    const created = await hostpass.api('/api/v2/api-keys/', { method: 'POST', json: {} });
    expect(
      (await hostpass.api(`/api/v2/api-keys/${created.body.id}/`, { method: 'DELETE' })).status,
    ).toBe(204);
    const refused = await request(`${hostpass.url}${APPS}`, {
      headers: { authorization: `Token ${created.body.key}` },
    });
    expect(refused.status).toBe(401);
  });

  it("refuses to delete a workspace's last key, and hides other workspaces' keys", async () => {
    const { workspace, apiKey } = await hostpass.runtime.services.workspaceService.create('solo');
    expect(workspace.name).toBe('solo');
    const headers = { authorization: `Token ${apiKey.key}` };
    const own = await hostpass.api(`/api/v2/api-keys/${apiKey.record.id}/`, {
      method: 'DELETE',
      headers,
    });
    expect(own.status).toBe(400);
    expect(own.body).toEqual({
      detail:
        'This is the last API key of the workspace. Create another key before deleting this one.',
    });
    expect((await request(`${hostpass.url}${APPS}`, { headers })).status).toBe(200);

    // The default workspace cannot see or delete the solo workspace's key.
    expect(
      (await hostpass.api(`/api/v2/api-keys/${apiKey.record.id}/`, { method: 'DELETE' })).status,
    ).toBe(404);
    const listed = await hostpass.api('/api/v2/api-keys/');
    expect(listed.body.results.map((key: { id: string }) => key.id)).not.toContain(
      apiKey.record.id,
    );
  });

  it('refuses unknown fields and over-long names', async () => {
    const response = await hostpass.api('/api/v2/api-keys/', {
      method: 'POST',
      json: { name: 'n'.repeat(201), scope: 'all' },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      name: ['Ensure this field has no more than 200 characters.'],
      scope: ['Unknown field.'],
    });
  });
});

describe('POST /admin/workspaces', () => {
  const admin = (init: { token?: string; json?: unknown }) =>
    request(`${hostpass.url}/admin/workspaces`, {
      method: 'POST',
      json: init.json ?? { name: 'acme' },
      headers: init.token === undefined ? {} : { authorization: `Bearer ${init.token}` },
    });

  it('creates a workspace with its first key, isolated from the others', async () => {
    const response = await admin({ token: ADMIN_TOKEN, json: { name: 'Acme bots' } });
    expect(response.status).toBe(201);
    expect(response.body.workspace).toEqual({
      id: expect.any(String),
      name: 'Acme bots',
      created_at: expect.any(String),
    });
    const key = response.body.api_key.key as string;
    const listed = await request(`${hostpass.url}${APPS}`, {
      headers: { authorization: `Token ${key}` },
    });
    expect(listed.status).toBe(200);
    expect(listed.body.results).toEqual([]);
  });

  it('refuses a missing or wrong admin token, and API keys', async () => {
    expect((await admin({})).status).toBe(401);
    expect((await admin({ token: `${ADMIN_TOKEN}x` })).status).toBe(401);
    expect((await admin({ token: hostpass.apiKey })).status).toBe(401);
    const asApiKey = await request(`${hostpass.url}/admin/workspaces`, {
      method: 'POST',
      json: { name: 'x' },
      headers: { authorization: `Token ${hostpass.apiKey}` },
    });
    expect(asApiKey.status).toBe(401);
  });

  it('validates the body', async () => {
    const response = await admin({ token: ADMIN_TOKEN, json: {} });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ name: ['This field is required.'] });
  });

  it('does not exist when HOSTPASS_ADMIN_TOKEN is unset', async () => {
    const plain = await startTestHostpass();
    try {
      const response = await request(`${plain.url}/admin/workspaces`, {
        method: 'POST',
        json: { name: 'x' },
        headers: { authorization: 'Bearer anything-at-all-anything-at-all' },
      });
      expect(response.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
