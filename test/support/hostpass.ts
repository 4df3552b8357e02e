import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildHttpServer } from '../../src/app.ts';
import { createHostpassClient, type HostpassClient } from '../../src/client/index.ts';
import { loadConfig } from '../../src/config.ts';
import { reservePort } from '../../src/free-port.ts';
import { createLogger } from '../../src/logger.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { createTestStorage, type TestStorage } from './engine.ts';

export const TEST_ENCRYPTION_KEY = `test1:${randomBytes(32).toString('base64')}`;

export interface TestHostpass {
  /** Base URL of the real HTTP server on loopback. */
  url: string;
  /** The bootstrap key of the default workspace. */
  apiKey: string;
  runtime: Runtime;
  storage: TestStorage;
  /** Every log line the server wrote, as JSON text. */
  logLines: string[];
  /** `fetch` against the server with the API key (override with `headers.authorization`). */
  api(path: string, init?: ApiRequest): Promise<ApiResponse>;
  /** The typed client (`hostpass/client`) with the API key. */
  client: HostpassClient;
  close(): Promise<void>;
}

export interface ApiRequest {
  method?: string;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field in tests
  body: any;
}

export async function request(url: string, init: ApiRequest = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(init.json);
  }
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body,
    redirect: 'manual',
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/**
 * Starts Hostpass as a user runs it (config from environment variables, a real store, a real
 * HTTP server on 127.0.0.1) with a fresh store cloned from the suite's template.
 */
export async function startTestHostpass(
  options: {
    env?: Record<string, string>;
    storage?: TestStorage;
    logLevel?: string;
    workers?: boolean;
    /** The key of a store that has one already (a restart); a new one for a new store. */
    apiKey?: string;
  } = {},
): Promise<TestHostpass> {
  const storage = options.storage ?? (await createTestStorage());
  const apiKey = options.apiKey ?? `hp_test_${randomBytes(18).toString('base64url')}`;
  // The port is chosen up front so that PUBLIC_URL (links, webhook URLs) points at this server,
  // and held while the store opens (seconds under load): tests in parallel open ports meanwhile.
  const { port, release } = await reservePort();
  const config = loadConfig({
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    HOSTPASS_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    HOSTPASS_BOOTSTRAP_API_KEY: apiKey,
    HOSTPASS_ALLOW_PRIVATE_CALLBACKS: 'true',
    LOG_LEVEL: options.logLevel ?? 'info',
    PORT: String(port),
    ...storage.env,
    ...options.env,
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const runtime = await openRuntime(config, logger).catch(async (error: unknown) => {
    await release();
    throw error;
  });
  let app: FastifyInstance | undefined;
  try {
    await runtime.services.workspaceService.ensureInitialAccess(config.bootstrapApiKey);
    if (options.workers !== false) await runtime.startWorkers();
    app = await buildHttpServer({
      config,
      logger,
      db: runtime.db,
      services: runtime.services,
    });
    await release();
    await app.listen({ port, host: '127.0.0.1' });
  } catch (error) {
    await release();
    await runtime.close();
    throw error;
  }
  const url = config.publicUrl;
  const server = app;
  return {
    url,
    apiKey,
    runtime,
    storage,
    logLines,
    api: (path, init = {}) =>
      request(`${url}${path}`, {
        ...init,
        headers: { authorization: `Token ${apiKey}`, ...init.headers },
      }),
    client: createHostpassClient({ baseUrl: url, apiKey }),
    async close() {
      await server.close();
      await runtime.close();
    },
  };
}
