// A small, useful world for `hostpass emulator --seed`-style runs and the README demo: one pro
// account with an owner and a member, a meeting each, and one app of each kind. Tests start
// empty and build exactly what they need.

import type { AdminService } from './admin-service.ts';
import type { Account, App, Meeting, User } from './model.ts';
import { ACCOUNT_LEVEL_SCOPES, USER_LEVEL_SCOPES } from './scopes.ts';

export interface DemoData {
  account: Account;
  owner: User;
  member: User;
  meetings: Meeting[];
  userLevelApp: App;
  accountLevelApp: App;
}

/** Hostpass's hosted Connect callback on its default URL; `hostpass emulator --demo` takes another. */
export const DEFAULT_DEMO_REDIRECT = 'http://localhost:8080/oauth/zoom/callback';

export async function seedDemoData(
  admin: AdminService,
  redirectUri = DEFAULT_DEMO_REDIRECT,
): Promise<DemoData> {
  const account = admin.createAccount({ plan: 'pro', third_party_recording: true });
  const owner = admin.createUser({
    account_id: account.id,
    email: 'owner@example.com',
    role: 'owner',
    first_name: 'Olivia',
    last_name: 'Owner',
  });
  const member = admin.createUser({
    account_id: account.id,
    email: 'member@example.com',
    role: 'member',
    first_name: 'Max',
    last_name: 'Member',
  });
  const meetings = [
    await admin.createMeeting({ host_id: owner.id, topic: 'Weekly planning', waiting_room: true }),
    await admin.createMeeting({ host_id: member.id, topic: 'Customer call' }),
  ];
  const userLevelApp = await admin.createApp({
    kind: 'user_level',
    redirect_uris: [redirectUri],
    scopes: [...USER_LEVEL_SCOPES],
  });
  const accountLevelApp = await admin.createApp({
    kind: 'account_level',
    redirect_uris: [redirectUri],
    scopes: [...ACCOUNT_LEVEL_SCOPES],
  });
  return { account, owner, member, meetings, userLevelApp, accountLevelApp };
}
