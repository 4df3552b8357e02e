// Helpers for the emulator's own black-box tests: a started emulator, a world with an
// authorized app, OAuth and REST calls over HTTP, and a tiny webhook receiver on loopback.

import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppInput } from './admin-service.ts';
import { type RunningEmulator, startEmulator, urlValidationToken } from './index.ts';
import type { Account, App, Plan, User } from './model.ts';
import type { TokenResponse } from './oauth-service.ts';
import { ACCOUNT_LEVEL_SCOPES, USER_LEVEL_SCOPES } from './scopes.ts';

export const REDIRECT_URI = 'https://app.example.com/oauth/callback';

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function answer<T>(response: Response): Promise<HttpAnswer<T>> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (an HTML page): keep the text.
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

export function basicAuth(app: Pick<App, 'client_id' | 'client_secret'>): string {
  return `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`;
}

export async function tokenRequest(
  emulator: RunningEmulator,
  app: Pick<App, 'client_id' | 'client_secret'>,
  params: Record<string, string>,
): Promise<HttpAnswer> {
  const response = await fetch(`${emulator.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(app), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return answer(response);
}

export async function apiGet<T = Record<string, unknown>>(
  emulator: RunningEmulator,
  accessToken: string,
  path: string,
): Promise<HttpAnswer<T>> {
  const response = await fetch(`${emulator.url}/v2${path}`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return answer<T>(response);
}

export type Tokens = TokenResponse;

export function authorizeAndExchange(
  emulator: RunningEmulator,
  app: App,
  user: User,
): Promise<Tokens> {
  return emulator.admin.connect(app, user.id, REDIRECT_URI);
}

export interface World {
  account: Account;
  owner: User;
  member: User;
  app: App;
}

export interface WorldOptions {
  kind?: AppInput['kind'];
  plan?: Plan;
  app?: Partial<AppInput>;
}

export async function createWorld(
  emulator: RunningEmulator,
  options: WorldOptions = {},
): Promise<World> {
  const kind = options.kind ?? 'user_level';
  const account = await emulator.admin.createAccount({ plan: options.plan ?? 'pro' });
  const owner = await emulator.admin.createUser({
    account_id: account.id,
    email: 'owner@example.com',
    role: 'owner',
  });
  const member = await emulator.admin.createUser({
    account_id: account.id,
    email: 'member@example.com',
  });
  const app = await emulator.admin.createApp({
    kind,
    redirect_uris: [REDIRECT_URI],
    scopes: [...(kind === 'user_level' ? USER_LEVEL_SCOPES : ACCOUNT_LEVEL_SCOPES)],
    ...options.app,
  });
  return { account, owner, member, app };
}

/** A fresh emulator (seeded, so failures reproduce) holding a fresh world. */
export async function startWorld(seed: number, options: WorldOptions = {}) {
  const emulator = await startEmulator({ seed });
  return { emulator, world: await createWorld(emulator, options) };
}

export function pkceS256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A webhook receiver on 127.0.0.1:0. It answers endpoint.url_validation correctly for `secret`
 * and every other request with the status set by `answerWith` (0: never answers).
 */
export async function startReceiver(secret: string) {
  const received: ReceivedRequest[] = [];
  let status = 200;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: request.headers, body });
      const parsed = JSON.parse(body) as { event: string; payload: { plainToken?: string } };
      if (parsed.event === 'endpoint.url_validation' && parsed.payload.plainToken) {
        const plainToken = parsed.payload.plainToken;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ plainToken, encryptedToken: urlValidationToken(secret, plainToken) }),
        );
        return;
      }
      if (status === 0) return; // Never answer: the sender's deadline must fire.
      response.writeHead(status);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/zoom/events`,
    received,
    events: () => received.filter((request) => !request.body.includes('"endpoint.url_validation"')),
    answerWith(next: number) {
      status = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** A fresh emulator and world whose app signs its events with `secret`, plus a receiver. */
export async function startWorldWithReceiver(
  seed: number,
  secret: string,
  options: WorldOptions = {},
) {
  const emulator = await startEmulator({ seed });
  const receiver = await startReceiver(secret);
  const world = await createWorld(emulator, {
    ...options,
    app: { webhook_secret: secret, ...options.app },
  });
  const close = async () => {
    await emulator.close();
    await receiver.close();
  };
  return { emulator, receiver, world, close };
}
