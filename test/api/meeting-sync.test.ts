import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User as EmulatorUser } from '../../emulator/model.ts';
import {
  type ConnectedApp,
  connectCredential,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';
const MAPPINGS = '/api/v2/zoom-meetings-to-credentials/';
/** Generous limits on both sides, so these tests are about correctness, not waiting. */
const FAST = { per_second: 5000, per_day: null };

let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld({
    env: { HOSTPASS_ZOOM_RATE_MEDIUM: '4000', HOSTPASS_ZOOM_RATE_LIGHT: '4000' },
  });
});
afterAll(() => world.close());

let emailCounter = 0;

async function fastAccount() {
  return world.zoom.createAccount({ plan: 'pro', rate_limits: { light: FAST, medium: FAST } });
}

async function addUser(
  accountId: string,
  extra: {
    pmi?: number;
    role?: 'owner' | 'admin' | 'member';
    status?: 'active' | 'inactive';
    vanity_name?: string;
  } = {},
) {
  emailCounter += 1;
  return world.zoom.createUser({
    account_id: accountId,
    email: `sync${emailCounter}-${Date.now()}@example.com`,
    ...extra,
  });
}

async function meetingsFor(host: EmulatorUser, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let index = 0; index < count; index += 1)
    ids.push(Number((await world.zoom.createMeeting({ host_id: host.id, topic: `m${index}` })).id));
  return ids;
}

/** Every mapping of a credential, through the API's cursor pagination. */
async function mappingSet(credentialId: string): Promise<string[]> {
  const found: string[] = [];
  let path: string | null = `${MAPPINGS}?credential=${credentialId}&page_size=200`;
  while (path) {
    const page = await world.hostpass.api(path);
    expect(page.status, page.text).toBe(200);
    found.push(
      ...page.body.results.map(
        (item: { meeting_id: number; source: string }) => `${item.meeting_id}:${item.source}`,
      ),
    );
    path = page.body.next ? String(page.body.next).slice(world.hostpass.url.length) : null;
  }
  return found.sort();
}

const expected = (entries: [number, string][]) =>
  entries.map(([id, source]) => `${id}:${source}`).sort();

async function syncStatus(credentialId: string, wanted: 'completed' | 'failed' = 'completed') {
  return eventually(
    async () => {
      const credential = (await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body;
      return credential.meeting_sync_status === wanted ? credential : undefined;
    },
    `meeting sync ${wanted}`,
    60_000,
  );
}

async function resync(credentialId: string) {
  const before = (
    await world.hostpass.api(`/api/v2/zoom-oauth-credential-logs/?credential=${credentialId}`)
  ).body.results.length;
  expect(
    (await world.hostpass.api(`${CREDENTIALS}${credentialId}/sync-meetings/`, { method: 'POST' }))
      .status,
  ).toBe(200);
  await eventually(
    async () => {
      const logs = (
        await world.hostpass.api(`/api/v2/zoom-oauth-credential-logs/?credential=${credentialId}`)
      ).body.results;
      return logs.length > before &&
        logs.some((log: { message: string }) => log.message.startsWith('Meeting sync')) &&
        (await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body.meeting_sync_status !==
          'in_progress'
        ? true
        : undefined;
    },
    'the resync to finish',
    60_000,
  );
}

/** The app's Zoom event endpoint is the Hostpass app's webhook URL (Zoom validates it). */
async function subscribe(connected: ConnectedApp) {
  const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
  await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.webhook_url });
}

describe('initial sync', () => {
  it('maps a user-level grant: the PMI and every scheduled and upcoming meeting, nothing else', async () => {
    const account = await fastAccount();
    const host = await addUser(account.id, { pmi: 5551234567 });
    const colleague = await addUser(account.id);
    const meetings = await meetingsFor(host, 3);
    await meetingsFor(colleague, 2);
    const connected = await registerApp(world, 'user_level');
    const created = await connectCredential(world, connected, host.id);
    expect(created.body.meeting_sync_status).toBe('in_progress');
    await syncStatus(created.body.id);
    expect(await mappingSet(created.body.id)).toEqual(
      expected([
        [5551234567, 'pmi'],
        ...meetings.map((id) => [id, 'scheduled'] as [number, string]),
      ]),
    );
    const item = (await world.hostpass.api(`${MAPPINGS}?meeting_id=${meetings[0]}`)).body
      .results[0];
    expect(item).toEqual({
      id: expect.any(String),
      meeting_id: meetings[0],
      credential: created.body.id,
      host_user_id: host.id,
      source: 'scheduled',
      kind: 'meeting',
      created_at: expect.any(String),
      synced_at: expect.any(String),
    });
  });

  it('maps an account-level grant: every active user, their PMIs and meetings, across several pages', async () => {
    const account = await fastAccount();
    const admin = await addUser(account.id, { role: 'admin' });
    const users: EmulatorUser[] = [admin];
    // 305 users: the user list takes two pages of 300.
    for (let index = 0; index < 304; index += 1) users.push(await addUser(account.id));
    const inactive = await addUser(account.id, { status: 'inactive' });
    const busy = users[7] as EmulatorUser;
    // 305 meetings for one host: two pages of that host's meeting list.
    const busyMeetings = await meetingsFor(busy, 305);
    const otherMeetings = await meetingsFor(users[300] as EmulatorUser, 2);
    await meetingsFor(inactive, 1);

    const connected = await registerApp(world, 'account_level');
    const created = await connectCredential(world, connected, admin.id);
    expect(created.status, created.text).toBe(201);
    await syncStatus(created.body.id);
    const pmis = users.map((user) => [Number(user.pmi), 'pmi'] as [number, string]);
    const scheduled = [...busyMeetings, ...otherMeetings].map(
      (id) => [id, 'scheduled'] as [number, string],
    );
    expect(await mappingSet(created.body.id)).toEqual(expected([...pmis, ...scheduled]));
    const logs = (
      await world.hostpass.api(`/api/v2/zoom-oauth-credential-logs/?credential=${created.body.id}`)
    ).body.results;
    expect(logs.map((log: { message: string }) => log.message)).toContain(
      `Meeting sync completed: ${pmis.length + scheduled.length} meetings (PMIs included) mapped for ${users.length} users (${2 + users.length * 2 + 2} Zoom calls).`,
    );
  });
});

describe('webhooks keep mappings current', () => {
  let connected: ConnectedApp;
  let credentialId: string;
  let host: EmulatorUser;
  let assistant: EmulatorUser;
  let other: EmulatorUser;

  beforeAll(async () => {
    const account = await fastAccount();
    host = await addUser(account.id, { role: 'admin', pmi: 6660000001 });
    assistant = await addUser(account.id);
    other = await addUser(account.id);
    connected = await registerApp(world, 'account_level');
    await subscribe(connected);
    const created = await connectCredential(world, connected, host.id);
    credentialId = created.body.id;
    await syncStatus(credentialId);
  });

  const mapped = async (meetingId: number) =>
    (await world.hostpass.api(`${MAPPINGS}?meeting_id=${meetingId}&credential=${credentialId}`))
      .body.results;

  it('meeting.created maps by host, not by the assistant who scheduled it', async () => {
    const meeting = await world.zoom.createMeeting({
      host_id: host.id,
      scheduled_by: assistant.id,
    });
    const delivery = (await world.zoom.webhooks()).find(
      (entry) => entry.event === 'meeting.created' && entry.body.includes(String(meeting.id)),
    );
    expect(JSON.parse(delivery?.body ?? '{}').payload.operator_id).toBe(assistant.id);
    const [item] = await eventually(async () => {
      const found = await mapped(Number(meeting.id));
      return found.length > 0 ? found : undefined;
    }, 'the webhook mapping');
    expect(item).toMatchObject({ host_user_id: host.id, source: 'webhook' });
  });

  it("a meeting event keeps its host's personal link name: /my/{name} still mints after it", async () => {
    const account = await fastAccount();
    const owner = await addUser(account.id, {
      role: 'admin',
      pmi: 6660000101,
      vanity_name: 'Kept.Name',
    });
    const app = await registerApp(world, 'account_level');
    await subscribe(app);
    const created = await connectCredential(world, app, owner.id);
    await syncStatus(created.body.id);
    const mint = () =>
      world.hostpass.api('/api/v2/zoom-tokens/', {
        method: 'POST',
        json: { meeting_url: 'https://zoom.us/my/kept.name', kinds: ['join_token'] },
      });
    expect((await mint()).status).toBe(200);
    const meeting = await world.zoom.createMeeting({ host_id: owner.id });
    await eventually(async () => {
      const found = (
        await world.hostpass.api(
          `${MAPPINGS}?meeting_id=${meeting.id}&credential=${created.body.id}`,
        )
      ).body.results;
      return found.length > 0 ? found : undefined;
    }, 'the webhook mapping');
    const after = await mint();
    expect(after.status, after.text).toBe(200);
    expect(after.body.meeting_id).toBe(6660000101);
  });

  it('meeting.updated with a new host re-maps it; meeting.deleted removes it', async () => {
    const meeting = await world.zoom.createMeeting({ host_id: host.id });
    await eventually(
      async () => ((await mapped(Number(meeting.id))).length > 0 ? true : undefined),
      'created',
    );
    await world.zoom.updateMeeting(meeting.id, { host_id: other.id });
    await eventually(
      async () =>
        (await mapped(Number(meeting.id)))[0]?.host_user_id === other.id ? true : undefined,
      're-mapped',
    );
    await world.zoom.deleteMeeting(meeting.id);
    await eventually(
      async () => ((await mapped(Number(meeting.id))).length === 0 ? true : undefined),
      'removed',
    );
  });

  it('user.updated with a new PMI removes the old PMI and maps the new one', async () => {
    await world.zoom.updateUser(host.id, { pmi: 6660000002 });
    await eventually(
      async () => ((await mapped(6660000002)).length === 1 ? true : undefined),
      'the new PMI',
    );
    expect(await mapped(6660000001)).toEqual([]);
  });

  it('a user new to the account is mapped on their first event', async () => {
    const newcomer = await addUser(host.account_id);
    const meeting = await world.zoom.createMeeting({ host_id: newcomer.id });
    await eventually(
      async () =>
        (await mapped(Number(meeting.id)))[0]?.host_user_id === newcomer.id ? true : undefined,
      'newcomer mapped',
    );
  });
});

describe('a sync page older than an event', () => {
  // Zoom computes a page of a host's meetings; before Hostpass commits it, a meeting on it is
  // deleted (or moved to another host) and the event is applied. The page must not undo that.
  it('does not bring back a deleted meeting nor undo a transfer', async () => {
    const account = await fastAccount();
    const host = await addUser(account.id, { role: 'admin' });
    const other = await addUser(account.id);
    const connected = await registerApp(world, 'account_level');
    await subscribe(connected);
    const created = await connectCredential(world, connected, host.id);
    const credentialId = created.body.id;
    await syncStatus(credentialId);
    const [deleted, moved, kept] = await meetingsFor(host, 3);
    const mapped = async (meetingId: number | undefined) =>
      (await world.hostpass.api(`${MAPPINGS}?meeting_id=${meetingId}&credential=${credentialId}`))
        .body.results as { host_user_id: string; source: string }[];
    await eventually(
      async () => ((await mapped(kept)).length === 1 ? true : undefined),
      'the meetings mapped by their events',
    );

    // The resync's first page of the host's meetings is computed now, and held.
    const hold = await world.zoom.addFault({
      path_pattern: `/v2/users/${host.id}/meetings`,
      method: 'GET',
      hold_response_after_commit: true,
    });
    const resync = await world.hostpass.api(`${CREDENTIALS}${credentialId}/sync-meetings/`, {
      method: 'POST',
    });
    expect(resync.status, resync.text).toBe(200);
    await eventually(
      async () =>
        (await world.zoom.faults()).find((fault) => fault.id === hold.id)?.held === 1
          ? true
          : undefined,
      "the host's meeting page computed and held",
    );

    // Meanwhile at Zoom: one meeting deleted, one transferred; Hostpass applies both events.
    await world.zoom.deleteMeeting(deleted as number);
    await world.zoom.updateMeeting(moved as number, { host_id: other.id });
    await eventually(
      async () =>
        (await mapped(deleted)).length === 0 && (await mapped(moved))[0]?.host_user_id === other.id
          ? true
          : undefined,
      'the delete and the transfer applied',
    );

    // The stale page arrives; the sync completes.
    expect(await world.zoom.releaseFault(hold.id)).toEqual({ released: 1 });
    await syncStatus(credentialId);
    expect(await mapped(deleted)).toEqual([]);
    expect(await mapped(moved)).toEqual([expect.objectContaining({ host_user_id: other.id })]);
    // The sync itself went through: the meeting nothing happened to is mapped as synced.
    expect(await mapped(kept)).toEqual([
      expect.objectContaining({ host_user_id: host.id, source: 'scheduled' }),
    ]);
  });
});

describe('resync, resolution and failure', () => {
  it('a resync removes meetings that no longer exist in Zoom', async () => {
    const account = await fastAccount();
    const host = await addUser(account.id);
    const [kept, removed] = await meetingsFor(host, 2);
    const connected = await registerApp(world, 'user_level');
    const created = await connectCredential(world, connected, host.id);
    await syncStatus(created.body.id);
    // Deleted with no event endpoint subscribed: only a full resync can notice.
    await world.zoom.deleteMeeting(removed as number);
    await resync(created.body.id);
    const set = await mappingSet(created.body.id);
    expect(set).toContain(`${kept}:scheduled`);
    expect(set).not.toContain(`${removed}:scheduled`);
  });

  it("resolves a meeting reachable through two grants: the host's own healthy grant first", async () => {
    const account = await fastAccount();
    const admin = await addUser(account.id, { role: 'admin' });
    const host = await addUser(account.id);
    const [meetingId] = await meetingsFor(host, 1);
    const accountApp = await registerApp(world, 'account_level');
    const userApp = await registerApp(world, 'user_level');
    const accountCredential = (await connectCredential(world, accountApp, admin.id)).body.id;
    const userCredential = (await connectCredential(world, userApp, host.id)).body.id;
    await syncStatus(accountCredential);
    await syncStatus(userCredential);
    const workspaceId = (
      await world.hostpass.runtime.services.apiKeyService.authenticate(world.hostpass.apiKey)
    ).workspaceId;
    const resolve = () =>
      world.hostpass.runtime.services.meetingsService.resolveCredential(
        workspaceId,
        meetingId as number,
      );
    expect((await resolve())?.credential_id).toBe(userCredential);
    // The user's own grant breaks (a wrong client secret): the healthy account grant wins.
    await world.hostpass.api(`/api/v2/zoom-oauth-apps/${userApp.app.id}/`, {
      method: 'PATCH',
      json: { client_secret: 'broken-secret-123' },
    });
    await world.hostpass.api(`${CREDENTIALS}${userCredential}/validate/`, { method: 'POST' });
    expect((await resolve())?.credential_id).toBe(accountCredential);
  });

  it('a credential that turns unhealthy stops syncing', async () => {
    const account = await fastAccount();
    const host = await addUser(account.id);
    const connected = await registerApp(world, 'user_level');
    const created = await connectCredential(world, connected, host.id);
    await syncStatus(created.body.id);
    // Revoked in Zoom without an event (a development app): the next sync finds out.
    await world.zoom.deauthorize(connected.zoomApp.client_id, host.id);
    await world.hostpass.api(`${CREDENTIALS}${created.body.id}/sync-meetings/`, { method: 'POST' });
    const failed = await syncStatus(created.body.id, 'failed');
    expect(failed.status).toBe('unhealthy');
    const again = await world.hostpass.api(`${CREDENTIALS}${created.body.id}/sync-meetings/`, {
      method: 'POST',
    });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('credential_unhealthy');
  });

  it('deleting a credential removes its mappings', async () => {
    const account = await fastAccount();
    const host = await addUser(account.id, { pmi: 7770000001 });
    const connected = await registerApp(world, 'user_level');
    const created = await connectCredential(world, connected, host.id);
    await syncStatus(created.body.id);
    expect(await mappingSet(created.body.id)).toEqual(['7770000001:pmi']);
    await world.hostpass.api(`${CREDENTIALS}${created.body.id}/`, { method: 'DELETE' });
    expect((await world.hostpass.api(`${MAPPINGS}?meeting_id=7770000001`)).body.results).toEqual(
      [],
    );
  });

  it('validates the list filters', async () => {
    expect((await world.hostpass.api(`${MAPPINGS}?meeting_id=abc`)).status).toBe(400);
    expect((await world.hostpass.api(`${MAPPINGS}?credential=nope`)).status).toBe(400);
    expect((await world.hostpass.api(`${MAPPINGS}?ordering=host`)).status).toBe(400);
    expect(
      (
        await world.hostpass.api(
          `${MAPPINGS}?synced_at_after=2000-01-01T00:00:00Z&ordering=-synced_at`,
        )
      ).status,
    ).toBe(200);
  });
});

describe("Zoom's rate limits", () => {
  it('syncs a Free account without a single 429', async () => {
    const limited = await startZoomWorld({
      env: { HOSTPASS_ZOOM_RATE_MEDIUM: '2', HOSTPASS_ZOOM_RATE_LIGHT: '4' },
    });
    try {
      const account = await limited.zoom.createAccount({ plan: 'free' });
      const admin = await limited.zoom.createUser({
        account_id: account.id,
        email: 'a@free.example',
        role: 'admin',
      });
      for (let index = 0; index < 3; index += 1)
        await limited.zoom.createUser({ account_id: account.id, email: `u${index}@free.example` });
      const connected = await registerApp(limited, 'account_level');
      await limited.zoom.resetRequests();
      const created = await connectCredential(limited, connected, admin.id);
      await eventually(
        async () => {
          const credential = (await limited.hostpass.api(`${CREDENTIALS}${created.body.id}/`)).body;
          return credential.meeting_sync_status === 'completed' ? true : undefined;
        },
        'the rate-limited sync',
        60_000,
      );
      const requests = await limited.zoom.requests();
      expect(requests.by_status['429'] ?? 0).toBe(0);
      expect(requests.by_endpoint['GET /v2/users/{userId}/meetings']).toBe(8);
    } finally {
      await limited.close();
    }
  });

  it('backs off on 429 and still completes when configured above the real limit', async () => {
    const eager = await startZoomWorld({
      env: { HOSTPASS_ZOOM_RATE_MEDIUM: '50', HOSTPASS_SYNC_RATE_SHARE: '1' },
    });
    try {
      const account = await eager.zoom.createAccount({ plan: 'free' });
      const admin = await eager.zoom.createUser({
        account_id: account.id,
        email: 'b@free.example',
        role: 'admin',
      });
      for (let index = 0; index < 3; index += 1)
        await eager.zoom.createUser({ account_id: account.id, email: `v${index}@free.example` });
      const connected = await registerApp(eager, 'account_level');
      const created = await connectCredential(eager, connected, admin.id);
      await eventually(
        async () => {
          const credential = (await eager.hostpass.api(`${CREDENTIALS}${created.body.id}/`)).body;
          return credential.meeting_sync_status === 'completed' ? true : undefined;
        },
        'the sync despite 429s',
        60_000,
      );
      expect((await eager.zoom.requests()).by_status['429'] ?? 0).toBeGreaterThan(0);
    } finally {
      await eager.close();
    }
  });
});
