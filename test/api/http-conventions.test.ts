import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestHostpass, type TestHostpass } from '../support/hostpass.ts';

let hostpass: TestHostpass;

beforeAll(async () => {
  hostpass = await startTestHostpass();
});
afterAll(() => hostpass.close());

const APPS = '/api/v2/zoom-oauth-apps/';

describe('bad input never yields a 5xx', () => {
  it('malformed JSON → 400 with a parse error', async () => {
    const response = await hostpass.api(APPS, {
      method: 'POST',
      body: '{"kind": "user_level",',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/^JSON parse error - /);
  });

  it('an empty JSON body → 400', async () => {
    const response = await hostpass.api(APPS, {
      method: 'POST',
      body: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ detail: 'JSON parse error - the body is empty.' });
  });

  it('a JSON body that is not an object → 400 field-style error', async () => {
    const response = await hostpass.api(APPS, { method: 'POST', json: ['not', 'an', 'object'] });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ non_field_errors: ['Must be an object.'] });
  });

  it('a body over the limit → 413, and nothing is created', async () => {
    const before = await hostpass.api(APPS);
    const response = await hostpass.api(APPS, {
      method: 'POST',
      json: {
        kind: 'user_level',
        client_id: 'big',
        client_secret: 'x'.repeat(2 * 1024 * 1024),
        webhook_secret: 'y'.repeat(20),
      },
    });
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ detail: 'Request body is larger than the 1 MiB limit.' });
    expect((await hostpass.api(APPS)).body.results).toHaveLength(before.body.results.length);
  });

  it('an unsupported content type → 415 saying what to send', async () => {
    const response = await hostpass.api(APPS, {
      method: 'POST',
      body: 'kind=user_level',
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(415);
    expect(response.body).toEqual({
      detail:
        'Unsupported media type "text/plain" in request. Send JSON with Content-Type: application/json.',
    });
  });

  describe('a JSON body sent without Content-Type: application/json (issue 13)', () => {
    const json = JSON.stringify({ name: 'from curl' });
    const keyCount = async () => (await hostpass.api('/api/v2/api-keys/')).body.results.length;

    it.each([
      [
        'as a form (curl -d)',
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded',
      ],
      ['as text (fetch with a string)', 'text/plain;charset=UTF-8', 'text/plain;charset=UTF-8'],
    ])('%s → 415 naming the fix, never a list of fields', async (_label, contentType, named) => {
      const count = await keyCount();
      const response = await hostpass.api('/api/v2/api-keys/', {
        method: 'POST',
        body: json,
        headers: { 'content-type': contentType },
      });
      expect(response.status).toBe(415);
      expect(response.body).toEqual({
        detail: `Unsupported media type "${named}" in request. The body looks like JSON: send Content-Type: application/json.`,
      });
      expect(await keyCount()).toBe(count);
    });

    it('with no Content-Type at all → 415 naming the fix', async () => {
      // A byte body: fetch adds no Content-Type for it.
      const response = await fetch(`${hostpass.url}/api/v2/api-keys/`, {
        method: 'POST',
        headers: { authorization: `Token ${hostpass.apiKey}` },
        body: new TextEncoder().encode(json),
      });
      expect(response.status).toBe(415);
      expect(await response.json()).toEqual({
        detail:
          'No Content-Type in request. The body looks like JSON: send Content-Type: application/json.',
      });
    });

    it('a real form, and real JSON, still work; an unknown path stays 404 whatever its body', async () => {
      const form = await hostpass.api('/api/v2/api-keys/', {
        method: 'POST',
        body: 'name=form+key',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status, form.text).toBe(201);
      expect(form.body.name).toBe('form key');
      const real = await hostpass.api('/api/v2/api-keys/', {
        method: 'POST',
        json: { name: 'js' },
      });
      expect(real.status).toBe(201);
      const unknown = await hostpass.api('/api/v2/nothing-here/', {
        method: 'POST',
        body: json,
        headers: { 'content-type': 'text/plain' },
      });
      expect(unknown.status).toBe(404);
    });
  });

  it('a JSON body nested thousands of levels deep → 400, never a 5xx (issue 13)', async () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const bots = async () => (await hostpass.api('/api/v1/bot/')).body.results.length;
    const count = await bots();
    for (const metadata of [nested(5000), arrays(5000), nested(65)]) {
      const response = await hostpass.api('/api/v1/bot/', {
        method: 'POST',
        body: `{"meeting_url":"https://zoom.us/j/85012345678","metadata":{"deep":${metadata}}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        detail: 'JSON parse error - the body nests objects and arrays more than 64 levels deep.',
      });
    }
    expect(await bots()).toBe(count);
    // Brackets inside strings are text, not nesting.
    const text = await hostpass.api('/api/v1/bot/', {
      method: 'POST',
      json: { meeting_url: 'https://zoom.us/j/85012345678', metadata: { note: '{['.repeat(200) } },
    });
    expect(text.status, text.text).toBe(201);
  });

  it('an unknown route → 404 JSON', async () => {
    for (const path of ['/nope', '/api/v2/nothing-here/', '/api/v3/zoom-oauth-apps/']) {
      const response = await request(`${hostpass.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.body).toEqual({ detail: 'Not found.' });
    }
  });

  it('an unsupported method on a known path → 404 JSON, not 500', async () => {
    const response = await hostpass.api(APPS, { method: 'PUT', json: {} });
    expect(response.status).toBeLessThan(500);
    expect(response.body).toEqual({ detail: 'Not found.' });
  });

  it('values the schema accepts but the database refuses → 4xx, never 500', async () => {
    const cursor = Buffer.from(
      JSON.stringify(['1', '------------------------------------', 0]),
    ).toString('base64url');
    expect((await hostpass.api(`${APPS}?cursor=${cursor}`)).status).toBe(404);
    const badDate = Buffer.from(
      JSON.stringify(['2024-13-45T00:00:00.000000Z', '00000000-0000-4000-8000-000000000000', 0]),
    ).toString('base64url');
    expect((await hostpass.api(`${APPS}?cursor=${badDate}`)).status).toBeLessThan(500);
    for (const value of ['0000-01-01T00:00:00Z', '2024-01-01T00:00:00+23:59']) {
      const response = await hostpass.api(`${APPS}?created_at_after=${encodeURIComponent(value)}`);
      expect(response.status, value).toBeGreaterThanOrEqual(400);
      expect(response.status, value).toBeLessThan(500);
    }
  });

  it('a query string with repeated or odd parameters → 4xx', async () => {
    const response = await hostpass.api(`${APPS}?page_size=1&page_size=2&kind[]=x`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});

describe('operations endpoints', () => {
  it('/healthz answers ok and /readyz reports the storage engine', async () => {
    expect((await request(`${hostpass.url}/healthz`)).body).toEqual({ status: 'ok' });
    const ready = await request(`${hostpass.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', storage: hostpass.runtime.db.engine });
  });

  it('/readyz is 503 while a migration is pending', async () => {
    await hostpass.runtime.db.query(
      "DELETE FROM hostpass_schema_migrations WHERE name = '001_foundation'",
    );
    try {
      const response = await request(`${hostpass.url}/readyz`);
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ status: 'not_ready', reason: '1 migration not applied.' });
    } finally {
      await hostpass.runtime.db.query(
        "INSERT INTO hostpass_schema_migrations (version, name) VALUES (1, '001_foundation')",
      );
    }
    expect((await request(`${hostpass.url}/readyz`)).status).toBe(200);
  });

  it('/metrics counts requests by route template and status', async () => {
    await hostpass.api(`${APPS}00000000-0000-4000-8000-000000000000/`);
    const metrics = await request(`${hostpass.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(
      /hostpass_http_requests_total\{method="GET",route="\/api\/v2\/zoom-oauth-apps\/:id\/",status="404"\} [1-9]/,
    );
    expect(metrics.text).toContain('hostpass_http_request_duration_seconds_bucket');
    expect(metrics.text).not.toContain('00000000-0000-4000-8000-000000000000');
  });

  it('/openapi.json documents the API from the route schemas, and /docs serves the explorer', async () => {
    const document = (await request(`${hostpass.url}/openapi.json`)).body;
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v2/zoom-oauth-apps/',
        '/api/v2/zoom-oauth-apps/{id}/',
        '/api/v2/zoom-oauth-app-logs/',
        '/api/v2/api-keys/',
        '/api/v2/api-keys/{id}/',
        '/admin/workspaces',
      ]),
    );
    const create = document.paths['/api/v2/zoom-oauth-apps/'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['kind', 'client_id', 'client_secret', 'webhook_secret']),
    );
    expect(Object.keys(create.responses)).toContain('201');
    const docs = await request(`${hostpass.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui');
  });
});
