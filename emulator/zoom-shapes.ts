// How users and meetings look on the wire, as Zoom's REST answers and event payloads show them.
// Note Zoom's own inconsistency, kept on purpose: `pmi` is a number on users and a string on
// meetings.

import type { Account, Meeting, User, Webinar } from './model.ts';

const ROLE_IDS: Record<User['role'], string> = { owner: '0', admin: '1', member: '2' };
const ROLE_NAMES: Record<User['role'], string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
};

export const joinUrl = (meetingId: number, password: string, path: 'j' | 'w' = 'j'): string =>
  password
    ? `https://zoom.us/${path}/${meetingId}?pwd=${password}`
    : `https://zoom.us/${path}/${meetingId}`;

/**
 * `https://{subdomain}.zoom.us/my/{name}` (zoom.us without an account subdomain), or undefined
 * without a personal link name, also for users from snapshots older than the field.
 */
export function vanityUrl(user: User, account: Account | undefined): string | undefined {
  if (!user.vanity_name) return undefined;
  const host = account?.vanity_subdomain ? `${account.vanity_subdomain}.zoom.us` : 'zoom.us';
  return `https://${host}/my/${user.vanity_name}`;
}

/** Zoom shows a user by "first last" unless they chose otherwise (the emulator has no choice). */
export const displayName = (user: User) => `${user.first_name} ${user.last_name}`.trim();

/** `account`: the user's (every caller of /v2 sees only users of its own account). */
export function userListItem(user: User, account: Account | undefined) {
  const vanity = vanityUrl(user, account);
  return {
    id: user.id,
    first_name: user.first_name,
    last_name: user.last_name,
    display_name: displayName(user),
    email: user.email,
    type: user.type,
    pmi: user.pmi,
    timezone: user.timezone,
    verified: 1,
    created_at: user.created_at,
    user_created_at: user.created_at,
    language: 'en-US',
    status: user.status,
    role_id: ROLE_IDS[user.role],
    ...(vanity !== undefined ? { vanity_url: vanity } : {}),
  };
}

export function userResource(user: User, account: Account | undefined) {
  return {
    ...userListItem(user, account),
    role_name: ROLE_NAMES[user.role],
    use_pmi: user.use_pmi,
    personal_meeting_url: joinUrl(user.pmi, ''),
    account_id: user.account_id,
  };
}

/** A user's Personal Meeting Room, which Zoom serves from the meeting endpoints as type 4. */
export function personalMeeting(user: User): Meeting {
  return {
    id: user.pmi,
    uuid: `pmi-${user.id}`,
    host_id: user.id,
    scheduled_by: null,
    topic: `${user.first_name} ${user.last_name}'s Personal Meeting Room`.trim(),
    type: 4,
    start_time: null,
    duration: 0,
    timezone: user.timezone,
    password: '',
    waiting_room: true,
    participants: [],
    created_at: user.created_at,
  };
}

/** The fields every representation of a meeting shares. */
function meetingCore(meeting: Meeting) {
  return {
    uuid: meeting.uuid,
    id: meeting.id,
    host_id: meeting.host_id,
    topic: meeting.topic,
    type: meeting.type,
    ...(meeting.start_time !== null ? { start_time: meeting.start_time } : {}),
    duration: meeting.duration,
    timezone: meeting.timezone,
  };
}

export function meetingListItem(meeting: Meeting) {
  return {
    ...meetingCore(meeting),
    created_at: meeting.created_at,
    join_url: joinUrl(meeting.id, meeting.password),
    ...(meeting.type === 4 ? { pmi: String(meeting.id) } : {}),
  };
}

export function meetingResource(meeting: Meeting, host: User) {
  return {
    uuid: meeting.uuid,
    id: meeting.id,
    host_id: meeting.host_id,
    host_email: host.email,
    ...(meeting.scheduled_by !== null ? { assistant_id: meeting.scheduled_by } : {}),
    topic: meeting.topic,
    type: meeting.type,
    status: meeting.participants.length > 0 ? 'started' : 'waiting',
    ...(meeting.start_time !== null ? { start_time: meeting.start_time } : {}),
    duration: meeting.duration,
    timezone: meeting.timezone,
    agenda: '',
    created_at: meeting.created_at,
    start_url: `https://zoom.us/s/${meeting.id}`,
    join_url: joinUrl(meeting.id, meeting.password),
    password: meeting.password,
    ...(meeting.type === 4 ? { pmi: String(meeting.id) } : {}),
    settings: meetingSettings(meeting),
    pre_schedule: false,
  };
}

export function meetingSettings(meeting: Meeting) {
  return {
    host_video: false,
    participant_video: false,
    join_before_host: false,
    mute_upon_entry: false,
    waiting_room: meeting.waiting_room,
    use_pmi: meeting.type === 4,
    approval_type: 2,
    audio: 'voip',
    auto_recording: 'none',
  };
}

/** The meeting `object` of meeting.created / meeting.deleted events. */
export function meetingEventObject(meeting: Meeting) {
  return {
    ...meetingCore(meeting),
    join_url: joinUrl(meeting.id, meeting.password),
    password: meeting.password,
    settings: { use_pmi: meeting.type === 4, waiting_room: meeting.waiting_room },
  };
}

/** A webinar in "List webinars": a meeting's list fields with the `/w/` join link. */
export function webinarListItem(webinar: Webinar) {
  return {
    ...meetingCore(webinar),
    created_at: webinar.created_at,
    join_url: joinUrl(webinar.id, webinar.password, 'w'),
  };
}

/** "Get a webinar". */
export function webinarResource(webinar: Webinar, host: User) {
  return {
    ...meetingCore(webinar),
    host_email: host.email,
    agenda: '',
    created_at: webinar.created_at,
    start_url: `https://zoom.us/s/${webinar.id}`,
    join_url: joinUrl(webinar.id, webinar.password, 'w'),
    password: webinar.password,
    settings: { host_video: false, panelists_video: false, approval_type: 2, audio: 'voip' },
  };
}

/** The webinar `object` of webinar.created / webinar.deleted events. */
export function webinarEventObject(webinar: Webinar) {
  return {
    ...meetingCore(webinar),
    join_url: joinUrl(webinar.id, webinar.password, 'w'),
    password: webinar.password,
    settings: { use_pmi: false, alternative_hosts: '' },
  };
}

/**
 * "Get user settings", the parts a bot's recording depends on: `recording.local_recording` is
 * the host's "Local recording" switch, which a local-recording join token needs.
 */
export function userSettings(user: User) {
  return {
    recording: {
      local_recording: user.local_recording,
      cloud_recording: false,
      record_speaker_view: true,
      record_gallery_view: true,
      record_audio_file: true,
      save_chat_text: true,
      show_timestamp: false,
      recording_audio_transcript: false,
      auto_recording: 'none',
      host_pause_stop_recording: true,
    },
    in_meeting: { waiting_room: false },
    feature: { meeting_capacity: 100, large_meeting: false, webinar: true },
  };
}
