import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from './index.ts';
import type { Meeting } from './model.ts';
import { apiGet, authorizeAndExchange, startWorld, type World } from './test-support.ts';

let emulator: RunningEmulator;
let world: World;
let token: string;
let meeting: Meeting;

beforeEach(async () => {
  ({ emulator, world } = await startWorld(21, { kind: 'account_level' }));
  await emulator.admin.updateAccount(world.account.id, { third_party_recording: true });
  token = (await authorizeAndExchange(emulator, world.app, world.owner)).access_token;
  meeting = await emulator.admin.createMeeting({ host_id: world.member.id, waiting_room: true });
});
afterEach(() => emulator.close());

const mint = async (path: string) => String((await apiGet(emulator, token, path)).body.token);

describe('join rules', () => {
  it('without tokens: waiting room, and the bot must ask the host to record', async () => {
    expect(await emulator.admin.join(meeting.id, { variant: 'web' })).toMatchObject({
      admitted: 'waiting_room',
      recording: 'must_ask_host',
    });
  });

  it('a local-recording token grants recording; with bypass_waiting_room it skips the waiting room; single-use', async () => {
    const plain = await mint(`/meetings/${meeting.id}/jointoken/local_recording`);
    expect(
      await emulator.admin.join(meeting.id, { variant: 'native', join_token: plain }),
    ).toMatchObject({ admitted: 'waiting_room', recording: 'allowed' });
    const bypass = await mint(
      `/meetings/${meeting.id}/jointoken/local_recording?bypass_waiting_room=true`,
    );
    expect(
      await emulator.admin.join(meeting.id, { variant: 'web', join_token: bypass }),
    ).toMatchObject({ admitted: 'direct', recording: 'allowed' });
    expect(await emulator.admin.join(meeting.id, { variant: 'web', join_token: bypass })).toEqual({
      admitted: 'refused',
      recording: 'denied',
      reason: 'local_recording token was already used',
    });
  });

  it('a join token is bound to its meeting and expires after 120 s', async () => {
    const other = await emulator.admin.createMeeting({ host_id: world.member.id });
    const forOther = await mint(`/meetings/${other.id}/jointoken/local_recording`);
    expect(
      await emulator.admin.join(meeting.id, { variant: 'web', join_token: forOther }),
    ).toMatchObject({ admitted: 'refused' });
    const late = await mint(`/meetings/${meeting.id}/jointoken/local_recording`);
    await emulator.admin.advanceClock(121);
    expect(
      await emulator.admin.join(meeting.id, { variant: 'web', join_token: late }),
    ).toMatchObject({
      admitted: 'refused',
      reason: 'local_recording token has expired',
    });
  });

  it('recording is denied when the host turned local recording off after the token was minted', async () => {
    const joinToken = await mint(`/meetings/${meeting.id}/jointoken/local_recording`);
    await emulator.admin.updateUser(world.member.id, { local_recording: false });
    expect(
      await emulator.admin.join(meeting.id, { variant: 'web', join_token: joinToken }),
    ).toMatchObject({ recording: 'denied' });
  });

  it('the 3rd-party recording token works for native clients only', async () => {
    const first = await mint(`/meetings/${meeting.id}/jointoken/3rd_party_recording`);
    expect(
      await emulator.admin.join(meeting.id, { variant: 'web', third_party_recording_token: first }),
    ).toMatchObject({ admitted: 'refused' });
    expect(
      await emulator.admin.join(meeting.id, {
        variant: 'native',
        third_party_recording_token: first,
      }),
    ).toMatchObject({ recording: 'allowed' });
  });

  it('the host’s ZAK joins as host; an OBF token needs its user in the meeting', async () => {
    const hostZak = await mint(`/users/${world.member.id}/token?type=zak`);
    expect(
      await emulator.admin.join(meeting.id, { variant: 'native', zak: hostZak }),
    ).toMatchObject({ admitted: 'direct', recording: 'allowed' });
    const obf = await mint(`/users/${world.owner.id}/token?type=onbehalf&meeting_id=${meeting.id}`);
    expect(await emulator.admin.join(meeting.id, { variant: 'native', obf })).toMatchObject({
      admitted: 'refused',
    });
    await emulator.admin.addParticipant(meeting.id, world.owner.id);
    expect(await emulator.admin.join(meeting.id, { variant: 'native', obf })).toMatchObject({
      admitted: 'waiting_room',
      recording: 'must_ask_host',
    });
    const elsewhere = await emulator.admin.createMeeting({ host_id: world.owner.id });
    expect(await emulator.admin.join(elsewhere.id, { variant: 'native', obf })).toMatchObject({
      admitted: 'refused',
    });
  });
});
