import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, dashboardRoutes } from './routes.ts';

let tempDir: string;

async function serverFor(dashboardDir: string): Promise<FastifyInstance> {
  const app = Fastify();
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not found.' }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.register(dashboardRoutes, { dashboardDir });
  return app;
}

beforeAll(async () => {
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'hostpass-dashboard-'));
  await mkdir(path.join(tempDir, 'built', 'assets'), { recursive: true });
  await writeFile(path.join(tempDir, 'built', 'index.html'), '<!doctype html><title>ui</title>');
  await writeFile(path.join(tempDir, 'built', 'assets', 'index-abc123.js'), 'export {};');
});
afterAll(() => rm(tempDir, { recursive: true, force: true }));

describe('dashboard routes', () => {
  it('serves index.html for client-side routes, with the CSP and no caching', async () => {
    const app = await serverFor(path.join(tempDir, 'built'));
    for (const url of ['/', '/apps', '/credentials/1234?credential_id=x', '/logs/any/deeper']) {
      const response = await app.inject(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toContain('<title>ui</title>');
      expect(response.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      expect(response.headers['cache-control']).toBe('no-cache');
    }
    const asset = await app.inject('/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('leaves other paths (API, server, missing assets) to the JSON 404', async () => {
    const app = await serverFor(path.join(tempDir, 'built'));
    for (const url of [
      '/api/v2/nope/',
      '/oauth/nope',
      '/admin/nope',
      '/assets/gone.js',
      '/x.png',
    ]) {
      const response = await app.inject(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.json()).toEqual({ detail: 'Not found.' });
    }
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
  });

  it('says how to build the dashboard when it is not built, and the server still starts', async () => {
    const app = await serverFor(path.join(tempDir, 'missing'));
    const response = await app.inject('/');
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
    expect((await app.inject('/api/v2/nope/')).statusCode).toBe(404);
  });
});
