import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHostpass, type TestHostpass } from '../support/hostpass.ts';

let hostpass: TestHostpass;

beforeAll(async () => {
  hostpass = await startTestHostpass();
});
afterAll(() => hostpass.close());

let appCounter = 0;
function newApp(overrides: Record<string, unknown> = {}) {
  appCounter += 1;
  return {
    kind: 'user_level',
    client_id: `client-${appCounter}-${Math.random().toString(36).slice(2, 8)}`,
    client_secret: `client-secret-value-${appCounter}-abcdefgh`,
    webhook_secret: `webhook-secret-value-${appCounter}-ijklmnop`,
    ...overrides,
  };
}

async function createApp(overrides: Record<string, unknown> = {}) {
  const input = newApp(overrides);
  const response = await hostpass.api('/api/v2/zoom-oauth-apps/', { method: 'POST', json: input });
  expect(response.status).toBe(201);
  return { input, app: response.body };
}

async function newWorkspaceKey(): Promise<string> {
  const { workspace, apiKey } = await hostpass.runtime.services.workspaceService.create(
    `other-${Math.random()}`,
  );
  expect(workspace.id).toBeTruthy();
  return apiKey.key;
}

describe('POST /api/v2/zoom-oauth-apps/', () => {
  it('creates an app, masks its secrets and gives its webhook URL', async () => {
    const { input, app } = await createApp({ kind: 'account_level' });
    expect(app).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: 'account_level',
      client_id: input.client_id,
      client_secret: `****${input.client_secret.slice(-4)}`,
      webhook_secret: `****${input.webhook_secret.slice(-4)}`,
      webhook_url: `${hostpass.url}/api/v2/zoom-oauth-apps/${app.id}/webhook`,
      webhook_last_validation: null,
      connect_return_origins: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(JSON.stringify(app)).not.toContain(input.client_secret);
  });

  it('accepts form-encoded bodies and the path without a trailing slash', async () => {
    const input = newApp();
    const response = await hostpass.api('/api/v2/zoom-oauth-apps', {
      method: 'POST',
      body: new URLSearchParams(input as Record<string, string>).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(201);
    expect(response.body.client_id).toBe(input.client_id);
  });

  it('refuses an invalid kind, missing and blank fields, and unknown fields, per field', async () => {
    const response = await hostpass.api('/api/v2/zoom-oauth-apps/', {
      method: 'POST',
      json: { kind: 'team_level', client_id: '', webhook_secret: 'x', surprise: true },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      kind: ['"team_level" is not a valid choice. Choose one of: user_level, account_level.'],
      client_id: ['This field may not be blank.'],
      client_secret: ['This field is required.'],
      surprise: ['Unknown field.'],
    });
  });

  it('refuses strings over 200 characters', async () => {
    const response = await hostpass.api('/api/v2/zoom-oauth-apps/', {
      method: 'POST',
      json: newApp({ client_secret: 'x'.repeat(201) }),
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      client_secret: ['Ensure this field has no more than 200 characters.'],
    });
  });

  it('refuses a second app with the same client_id in one workspace, but not in another', async () => {
    const { input } = await createApp();
    const again = await hostpass.api('/api/v2/zoom-oauth-apps/', {
      method: 'POST',
      json: newApp({ client_id: input.client_id }),
    });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({
      client_id: ['A Zoom OAuth app with this client_id already exists in this workspace.'],
    });

    const otherKey = await newWorkspaceKey();
    const elsewhere = await hostpass.api('/api/v2/zoom-oauth-apps/', {
      method: 'POST',
      json: newApp({ client_id: input.client_id }),
      headers: { authorization: `Token ${otherKey}` },
    });
    expect(elsewhere.status).toBe(201);
  });
});

describe('GET, PATCH and DELETE /api/v2/zoom-oauth-apps/{id}/', () => {
  it('retrieves an app with and without the trailing slash', async () => {
    const { app } = await createApp();
    for (const path of [
      `/api/v2/zoom-oauth-apps/${app.id}/`,
      `/api/v2/zoom-oauth-apps/${app.id}`,
    ]) {
      const response = await hostpass.api(path);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(app);
    }
  });

  it('rotates secrets with PATCH, shows the new masks and logs the change without the secret', async () => {
    const { app } = await createApp();
    const newSecret = 'rotated-client-secret-0000WXYZ';
    const response = await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`, {
      method: 'PATCH',
      json: { client_secret: newSecret },
    });
    expect(response.status).toBe(200);
    expect(response.body.client_secret).toBe('****WXYZ');
    expect(response.body.webhook_secret).toBe(app.webhook_secret);
    expect((await hostpass.runtime.services.appService.secrets(app.id))?.clientSecret).toBe(
      newSecret,
    );

    const logs = await hostpass.api(`/api/v2/zoom-oauth-app-logs/?oauth_app=${app.id}`);
    expect(logs.body.results.map((log: { message: string }) => log.message)).toEqual([
      'Updated the client secret.',
    ]);
    expect(logs.text).not.toContain(newSecret);
  });

  it('refuses PATCH of read-only fields', async () => {
    const { app } = await createApp();
    const response = await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`, {
      method: 'PATCH',
      json: { kind: 'account_level', client_id: 'changed' },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      kind: ['This field is read-only and cannot be changed.'],
      client_id: ['This field is read-only and cannot be changed.'],
    });
    expect((await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`)).body).toEqual(app);
  });

  it('deletes an app (204), after which it is 404', async () => {
    const { app } = await createApp();
    const deleted = await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`)).status).toBe(404);
    expect(
      (await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`, { method: 'DELETE' })).status,
    ).toBe(404);
  });

  it('answers 404, never 500, for ids that are not UUIDs', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const response = await hostpass.api('/api/v2/zoom-oauth-apps/not-a-uuid/', {
        method,
        json: method === 'PATCH' ? {} : undefined,
      });
      expect(response.status, method).toBe(404);
      expect(response.body).toEqual({ detail: 'Not found.' });
    }
  });

  it("hides another workspace's app on every route", async () => {
    const { app } = await createApp();
    const otherKey = await newWorkspaceKey();
    const headers = { authorization: `Token ${otherKey}` };
    expect((await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`, { headers })).status).toBe(
      404,
    );
    expect(
      (
        await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`, {
          method: 'PATCH',
          json: { client_secret: 'x'.repeat(20) },
          headers,
        })
      ).status,
    ).toBe(404);
    expect(
      (await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`, { method: 'DELETE', headers }))
        .status,
    ).toBe(404);
    const list = await hostpass.api('/api/v2/zoom-oauth-apps/', { headers });
    expect(list.body.results.map((item: { id: string }) => item.id)).not.toContain(app.id);
    const logs = await hostpass.api(`/api/v2/zoom-oauth-app-logs/?oauth_app=${app.id}`, {
      headers,
    });
    expect(logs.body.results).toEqual([]);
    expect((await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`)).status).toBe(200);
  });
});

describe('GET /api/v2/zoom-oauth-apps/ (list)', () => {
  let key: string;
  const created: { id: string; kind: string; client_id: string; created_at: string }[] = [];

  beforeAll(async () => {
    key = await newWorkspaceKey();
    for (let index = 0; index < 7; index += 1) {
      const response = await hostpass.api('/api/v2/zoom-oauth-apps/', {
        method: 'POST',
        json: newApp({ kind: index % 3 === 0 ? 'account_level' : 'user_level' }),
        headers: { authorization: `Token ${key}` },
      });
      created.push(response.body);
    }
  });

  const list = (query: string) =>
    hostpass.api(`/api/v2/zoom-oauth-apps/${query}`, {
      headers: { authorization: `Token ${key}` },
    });
  const ids = (response: { body: { results: { id: string }[] } }) =>
    response.body.results.map((item) => item.id);

  it('pages through more than two pages with stable order, absolute next/previous links, and back', async () => {
    const seen: string[] = [];
    let response = await list('?page_size=3&ordering=created_at');
    expect(response.body.previous).toBeNull();
    const pages = [response];
    while (response.body.next) {
      expect(response.body.next.startsWith(`${hostpass.url}/api/v2/zoom-oauth-apps/?`)).toBe(true);
      expect(new URL(response.body.next).searchParams.get('page_size')).toBe('3');
      response = await hostpass.api(response.body.next.slice(hostpass.url.length), {
        headers: { authorization: `Token ${key}` },
      });
      pages.push(response);
    }
    for (const page of pages) seen.push(...ids(page));
    expect(pages.length).toBe(3);
    expect(seen).toEqual(created.map((app) => app.id));

    const last = pages.at(-1);
    expect(last?.body.previous).toBeTruthy();
    const back = await hostpass.api(String(last?.body.previous).slice(hostpass.url.length), {
      headers: { authorization: `Token ${key}` },
    });
    expect(ids(back)).toEqual(ids(pages[1] as typeof response));
  });

  it('defaults to newest first, 50 a page', async () => {
    const response = await list('');
    expect(ids(response)).toEqual(created.map((app) => app.id).reverse());
    expect(response.body.next).toBeNull();
  });

  it('filters by kind, client_id and creation time', async () => {
    expect(ids(await list('?kind=account_level&ordering=created_at'))).toEqual(
      created.filter((app) => app.kind === 'account_level').map((app) => app.id),
    );
    const target = created[2] as (typeof created)[number];
    expect(ids(await list(`?client_id=${target.client_id}`))).toEqual([target.id]);
    const after = encodeURIComponent(target.created_at);
    expect(ids(await list(`?created_at_after=${after}&ordering=created_at`))).toEqual(
      created.slice(2).map((app) => app.id),
    );
    expect(ids(await list(`?created_at_before=${after}&ordering=created_at`))).toEqual(
      created.slice(0, 3).map((app) => app.id),
    );
  });

  it('filters by webhook_last_validation range', async () => {
    // Nothing has been validated by Zoom yet in this workspace.
    expect(ids(await list('?webhook_last_validation_after=2000-01-01T00:00:00Z'))).toEqual([]);
    expect(ids(await list('?webhook_last_validation_before=2999-01-01T00:00:00Z'))).toEqual([]);
  });

  it('refuses bad filters, orderings, page sizes and cursors with 4xx', async () => {
    expect((await list('?created_at_after=yesterday')).body).toEqual({
      created_at_after: ['Enter a valid date/time in ISO 8601 format, e.g. 2024-04-24T06:38:38Z.'],
    });
    expect((await list('?ordering=client_secret')).status).toBe(400);
    expect((await list('?page_size=201')).body).toEqual({
      page_size: ['Ensure this value is less than or equal to 200.'],
    });
    expect((await list('?page_size=abc')).status).toBe(400);
    const badCursor = await list('?cursor=garbage');
    expect(badCursor.status).toBe(404);
    expect(badCursor.body).toEqual({ detail: 'Invalid cursor' });
  });
});

describe('GET /api/v2/zoom-oauth-app-logs/', () => {
  it('lists logs with the oauth_app and created_at filters and cursor pagination', async () => {
    const { app } = await createApp();
    const { app: other } = await createApp();
    for (let index = 0; index < 5; index += 1) {
      await hostpass.runtime.services.appService.log({
        workspaceId: (await hostpass.runtime.services.apiKeyService.authenticate(hostpass.apiKey))
          .workspaceId,
        appId: index === 4 ? other.id : app.id,
        level: 'warning',
        message: `message ${index}`,
      });
    }
    const first = await hostpass.api(
      `/api/v2/zoom-oauth-app-logs/?oauth_app=${app.id}&page_size=2&ordering=created_at`,
    );
    expect(first.status).toBe(200);
    expect(first.body.results).toEqual([
      {
        id: expect.any(String),
        oauth_app: app.id,
        level: 'warning',
        message: 'message 0',
        created_at: expect.any(String),
      },
      {
        id: expect.any(String),
        oauth_app: app.id,
        level: 'warning',
        message: 'message 1',
        created_at: expect.any(String),
      },
    ]);
    const logs: { message: string; created_at: string }[] = [];
    let page = first;
    for (;;) {
      logs.push(...page.body.results);
      if (!page.body.next) break;
      page = await hostpass.api(page.body.next.slice(hostpass.url.length));
    }
    // Written in this order; lines written within one clock tick still keep it (ids are UUIDv7).
    expect(logs.map((log) => log.message)).toEqual([
      'message 0',
      'message 1',
      'message 2',
      'message 3',
    ]);

    // Both bounds are inclusive; lines sharing the cutoff's timestamp are on both sides.
    const cutoffAt = first.body.results[1].created_at as string;
    const cutoff = encodeURIComponent(cutoffAt);
    const after = await hostpass.api(
      `/api/v2/zoom-oauth-app-logs/?oauth_app=${app.id}&created_at_after=${cutoff}&ordering=created_at`,
    );
    expect(after.body.results.map((log: { message: string }) => log.message)).toEqual(
      logs.filter((log) => log.created_at >= cutoffAt).map((log) => log.message),
    );
    const before = await hostpass.api(
      `/api/v2/zoom-oauth-app-logs/?oauth_app=${app.id}&created_at_before=${cutoff}&ordering=created_at`,
    );
    expect(before.body.results.map((log: { message: string }) => log.message)).toEqual(
      logs.filter((log) => log.created_at <= cutoffAt).map((log) => log.message),
    );
    expect(before.body.results.length).toBeGreaterThanOrEqual(2);
    expect((await hostpass.api('/api/v2/zoom-oauth-app-logs/?oauth_app=nope')).body).toEqual({
      oauth_app: ['Must be a valid UUID.'],
    });
  });

  it('removes an app’s logs with the app', async () => {
    const { app } = await createApp();
    await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`, {
      method: 'PATCH',
      json: { webhook_secret: 'w'.repeat(30) },
    });
    expect(
      (await hostpass.api(`/api/v2/zoom-oauth-app-logs/?oauth_app=${app.id}`)).body.results,
    ).toHaveLength(1);
    await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`, { method: 'DELETE' });
    expect(
      (await hostpass.api(`/api/v2/zoom-oauth-app-logs/?oauth_app=${app.id}`)).body.results,
    ).toHaveLength(0);
  });
});
