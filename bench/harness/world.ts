/**
 * The Zoom world a scenario measures in, built with the black-box tests' own helpers
 * (test/support/zoom-world.ts) against child processes: an account at the emulator, its owner,
 * an app registered at Zoom and in Hostpass, a credential connected through the OAuth code flow.
 */
import type { EmulatorAdminClient } from '../../emulator/admin-client.ts';
import type { AccountInput } from '../../emulator/admin-service.ts';
import {
  connectCredential,
  createZoomUser,
  eventually,
  registerApp,
} from '../../test/support/zoom-world.ts';
import type { Hostpass } from './processes.ts';

/** Far above anything a bench sends: rate limits stay out of a measurement not about them. */
export const UNLIMITED = { per_second: 10_000_000, per_day: null };

export interface World {
  zoom: EmulatorAdminClient;
  hostpass: Hostpass;
}

/** A string field of an API answer; anything else is an error naming the answer. */
export function text(body: unknown, name: string): string {
  const value = typeof body === 'object' && body !== null ? Reflect.get(body, name) : undefined;
  if (typeof value !== 'string') throw new Error(`no string "${name}" in ${JSON.stringify(body)}`);
  return value;
}

/** `init`'s call to Hostpass, which must answer `status`; returns the parsed body. */
export async function expectApi(
  hostpass: Hostpass,
  route: string,
  status: number,
  init: Parameters<Hostpass['api']>[1] = {},
): Promise<unknown> {
  const answer = await hostpass.api(route, init);
  if (answer.status !== status)
    throw new Error(`${init.method ?? 'GET'} ${route} → ${answer.status} ${answer.text}`);
  return answer.body;
}

/**
 * A new Zoom account (`account`: plan, rate limits) whose owner grants an app of `kind`,
 * connected in Hostpass with the authorization code.
 */
export async function connectHost(
  world: World,
  options: {
    account: AccountInput;
    kind?: 'user_level' | 'account_level';
    meeting?: { waiting_room: boolean };
  },
) {
  const account = await world.zoom.createAccount(options.account);
  const owner = await createZoomUser(world, 'owner', account.id);
  const meeting = options.meeting
    ? await world.zoom.createMeeting({ host_id: owner.id, ...options.meeting })
    : null;
  const app = await registerApp(world, options.kind ?? 'user_level');
  const credential = await connectCredential(world, app, owner.id);
  if (credential.status !== 201)
    throw new Error(`connecting: ${credential.status} ${credential.text}`);
  return { app, accountId: account.id, owner, meeting, credentialId: text(credential.body, 'id') };
}

export type ConnectedHost = Awaited<ReturnType<typeof connectHost>>;

/** Waits for the credential's first meeting sync (the server's workers run it). */
export async function waitForSync(hostpass: Hostpass, credentialId: string, timeoutMs = 60_000) {
  const route = `/api/v2/zoom-oauth-credentials/${credentialId}/`;
  await eventually(
    async () => {
      const status = text(await expectApi(hostpass, route, 200), 'meeting_sync_status');
      return status === 'completed' ? status : undefined;
    },
    `the meeting sync of ${credentialId}`,
    timeoutMs,
  );
}

/** The credential's current Zoom access token, from Hostpass. */
export async function accessToken(hostpass: Hostpass, credentialId: string) {
  const route = `/api/v2/zoom-oauth-credentials/${credentialId}/access-token/`;
  const body = await expectApi(hostpass, route, 200);
  return { token: text(body, 'token'), expiresAt: text(body, 'expires_at') };
}

/** What Zoom (the emulator) was asked since its request counts were last reset. */
export async function zoomCalls(zoom: EmulatorAdminClient, tokens: number, endpoint: string) {
  const summary = await zoom.requests();
  return {
    /** Tokens handed out in the window the calls were counted over. */
    tokens,
    /** Every request the emulator answered (token refreshes included). */
    total: summary.total,
    /** Requests to the endpoint that makes the token. */
    endpoint: summary.by_endpoint[endpoint] ?? 0,
    refreshes: summary.by_grant_type.refresh_token ?? 0,
  };
}

export type ZoomCalls = Awaited<ReturnType<typeof zoomCalls>>;
