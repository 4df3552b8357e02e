// Personal link names (`/my/{name}`): set through the admin API, served as Zoom's `vanity_url`
// on the user endpoints, and reported by user.updated like any other changed user field.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmulatorAdminError } from './index.ts';
import { apiGet, authorizeAndExchange, startWorldWithReceiver } from './test-support.ts';

const SECRET = 'vanity-webhook-secret';

let zoom: Awaited<ReturnType<typeof startWorldWithReceiver>>;
let token: string;

beforeEach(async () => {
  zoom = await startWorldWithReceiver(21, SECRET, { kind: 'account_level' });
  const { emulator, receiver, world } = zoom;
  await emulator.admin.updateApp(world.app.id, { event_url: receiver.url });
  token = (await authorizeAndExchange(emulator, world.app, world.owner)).access_token;
});
afterEach(() => zoom.close());

const vanityUrlOf = async (path: string) =>
  (await apiGet<{ vanity_url?: string }>(zoom.emulator, token, path)).body.vanity_url;

const listedVanityUrls = async () => {
  const list = await apiGet<{ users: { email: string; vanity_url?: string }[] }>(
    zoom.emulator,
    token,
    '/users',
  );
  return Object.fromEntries(list.body.users.map((user) => [user.email, user.vanity_url]));
};

interface UserUpdated {
  event: string;
  payload: { object: Record<string, unknown>; old_object: Record<string, unknown> };
}
const userEvents = () =>
  zoom.receiver
    .events()
    .map((request) => JSON.parse(request.body) as UserUpdated)
    .filter((event) => event.event === 'user.updated');

const adminError = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(EmulatorAdminError);
  return error as EmulatorAdminError;
};

describe('vanity_url on the user endpoints', () => {
  it('is absent while the user has no personal link name', async () => {
    expect(await vanityUrlOf('/users/me')).toBeUndefined();
    expect((await listedVanityUrls())['owner@example.com']).toBeUndefined();
  });

  it('is https://zoom.us/my/{name} on /users/me, /users/{id} and the list', async () => {
    await zoom.emulator.admin.updateUser(zoom.world.owner.id, { vanity_name: 'jane.doe' });
    await zoom.emulator.admin.createUser({
      account_id: zoom.world.account.id,
      email: 'rooms@example.com',
      vanity_name: 'Boardroom',
    });
    expect(await vanityUrlOf('/users/me')).toBe('https://zoom.us/my/jane.doe');
    expect(await vanityUrlOf(`/users/${zoom.world.owner.id}`)).toBe('https://zoom.us/my/jane.doe');
    expect(await listedVanityUrls()).toEqual({
      'owner@example.com': 'https://zoom.us/my/jane.doe',
      'member@example.com': undefined,
      'rooms@example.com': 'https://zoom.us/my/Boardroom',
    });
  });

  it("uses the account's vanity subdomain when it has one", async () => {
    await zoom.emulator.admin.updateAccount(zoom.world.account.id, { vanity_subdomain: 'acme' });
    await zoom.emulator.admin.updateUser(zoom.world.member.id, { vanity_name: 'sam.member' });
    expect(await vanityUrlOf(`/users/${zoom.world.member.id}`)).toBe(
      'https://acme.zoom.us/my/sam.member',
    );
    expect((await listedVanityUrls())['member@example.com']).toBe(
      'https://acme.zoom.us/my/sam.member',
    );
    await zoom.emulator.admin.updateAccount(zoom.world.account.id, { vanity_subdomain: null });
    expect(await vanityUrlOf(`/users/${zoom.world.member.id}`)).toBe(
      'https://zoom.us/my/sam.member',
    );
  });
});

describe('admin API', () => {
  it('keeps vanity_name on the admin user and removes it with null', async () => {
    const named = await zoom.emulator.admin.updateUser(zoom.world.owner.id, {
      vanity_name: 'jane.doe',
    });
    expect(named.vanity_name).toBe('jane.doe');
    expect((await zoom.emulator.admin.getUser(zoom.world.owner.id)).vanity_name).toBe('jane.doe');
    expect(zoom.world.member.vanity_name).toBeNull();
    const cleared = await zoom.emulator.admin.updateUser(zoom.world.owner.id, {
      vanity_name: null,
    });
    expect(cleared.vanity_name).toBeNull();
    expect(await vanityUrlOf('/users/me')).toBeUndefined();
  });

  it("refuses names that break Zoom's rule (5 to 40 characters, a letter first)", async () => {
    for (const bad of ['jd', '4151234567', 'jane doe', 'jane-doe', `j${'a'.repeat(40)}`]) {
      const error = await adminError(
        zoom.emulator.admin.updateUser(zoom.world.owner.id, { vanity_name: bad }),
      );
      expect(error.status).toBe(400);
    }
    const subdomain = await adminError(
      zoom.emulator.admin.updateAccount(zoom.world.account.id, { vanity_subdomain: 'Acme.Corp' }),
    );
    expect(subdomain.status).toBe(400);
  });

  it('keeps names unique across Zoom, whatever their case', async () => {
    await zoom.emulator.admin.updateUser(zoom.world.owner.id, { vanity_name: 'jane.doe' });
    const elsewhere = await zoom.emulator.admin.createAccount({ plan: 'pro' });
    const taken = await adminError(
      zoom.emulator.admin.createUser({
        account_id: elsewhere.id,
        email: 'jane@elsewhere.com',
        vanity_name: 'Jane.Doe',
      }),
    );
    expect(taken.status).toBe(409);
    const patched = await adminError(
      zoom.emulator.admin.updateUser(zoom.world.member.id, { vanity_name: 'JANE.DOE' }),
    );
    expect(patched.status).toBe(409);
    // The holder may set its own name again, in another case.
    const same = await zoom.emulator.admin.updateUser(zoom.world.owner.id, {
      vanity_name: 'Jane.Doe',
    });
    expect(same.vanity_name).toBe('Jane.Doe');
  });
});

describe('user.updated', () => {
  it('carries a changed vanity_url with the previous one, and "" when it is removed', async () => {
    await zoom.emulator.admin.updateAccount(zoom.world.account.id, { vanity_subdomain: 'acme' });
    await zoom.emulator.admin.updateUser(zoom.world.member.id, { vanity_name: 'sam.member' });
    await zoom.emulator.admin.updateUser(zoom.world.member.id, { vanity_name: 'sam.m' });
    await zoom.emulator.admin.updateUser(zoom.world.member.id, { vanity_name: null });
    const [set, renamed, removed, ...rest] = userEvents();
    expect(rest).toEqual([]);
    expect(set?.payload).toMatchObject({
      object: { id: zoom.world.member.id, vanity_url: 'https://acme.zoom.us/my/sam.member' },
      old_object: { id: zoom.world.member.id, vanity_url: '' },
    });
    expect(renamed?.payload.object).toEqual({
      id: zoom.world.member.id,
      vanity_url: 'https://acme.zoom.us/my/sam.m',
    });
    expect(renamed?.payload.old_object).toEqual({
      id: zoom.world.member.id,
      vanity_url: 'https://acme.zoom.us/my/sam.member',
    });
    expect(removed?.payload.object).toEqual({ id: zoom.world.member.id, vanity_url: '' });
  });

  it('is not sent for an unchanged name or an account subdomain change', async () => {
    await zoom.emulator.admin.updateUser(zoom.world.member.id, { vanity_name: 'sam.member' });
    await zoom.emulator.admin.updateUser(zoom.world.member.id, { vanity_name: 'sam.member' });
    await zoom.emulator.admin.updateAccount(zoom.world.account.id, { vanity_subdomain: 'acme' });
    expect(userEvents()).toHaveLength(1);
  });
});
