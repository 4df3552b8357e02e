import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZoomHttp, ZoomUnreachableError } from './http.ts';

describe('createZoomHttp timeouts', () => {
  let server: Server;
  let url: string;
  const zoom = createZoomHttp();

  beforeAll(async () => {
    // `/slow` never answers; anything else answers at once.
    server = createServer((request, response) => {
      if (request.url !== '/slow') response.end('{"ok":true}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await zoom.close();
    server.closeAllConnections();
    server.close();
  });

  it('gives up after timeoutMs as ZoomUnreachableError, and answers in time otherwise', async () => {
    const failed = zoom.send({ method: 'GET', url: `${url}/slow`, timeoutMs: 50 });
    await expect(failed).rejects.toThrow(ZoomUnreachableError);
    await expect(failed).rejects.toThrow(/aborted due to timeout/);
    // The timer of a call that answered is gone: nothing aborts it, or anything after it.
    const answered = await zoom.send({ method: 'GET', url: `${url}/fast`, timeoutMs: 50 });
    expect(answered).toMatchObject({ status: 200, text: '{"ok":true}' });
  });

  it('gives up at its deadline while it still waits for a connection', async () => {
    const single = createZoomHttp({ connections: 1 });
    let held = false;
    const holding = single.send({ method: 'GET', url: `${url}/slow`, timeoutMs: 1_000 });
    const settled = holding.then(
      () => (held = true),
      () => (held = true),
    );
    const queued = single.send({ method: 'GET', url: `${url}/fast`, timeoutMs: 50 });
    await expect(queued).rejects.toThrow(/aborted due to timeout/);
    // Failed at its own deadline, not when the one connection came free.
    expect(held).toBe(false);
    await settled;
    await single.close();
  });

  it("gives up when the caller's signal aborts", async () => {
    const stopping = new AbortController();
    const failed = zoom.send({ method: 'GET', url: `${url}/slow`, signal: stopping.signal });
    stopping.abort();
    await expect(failed).rejects.toThrow(ZoomUnreachableError);
  });
});
