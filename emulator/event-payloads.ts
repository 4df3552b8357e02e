// Payloads of the events the emulator sends, shaped as Zoom's (../shared/reference/zoom.md).
// Updates carry only what changed, in `object`, and the previous values in `old_object`.

import { createHmac } from 'node:crypto';
import type { Account, App, Grant, Meeting, User, Webinar } from './model.ts';
import { displayName, meetingEventObject, vanityUrl, webinarEventObject } from './zoom-shapes.ts';

type Fields = Record<string, unknown>;

const operatorFields = (operator: User) => ({ operator: operator.email, operator_id: operator.id });

/** The keys whose values differ (compared as JSON), split into new and old values. */
export function diffFields(before: Fields, after: Fields): { changed: Fields; previous: Fields } {
  const changed: Fields = {};
  const previous: Fields = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      changed[key] = after[key];
      previous[key] = before[key];
    }
  }
  return { changed, previous };
}

export function meetingCreated(meeting: Meeting, host: User, operator: User) {
  return {
    account_id: host.account_id,
    ...operatorFields(operator),
    object: meetingEventObject(meeting),
  };
}

type EventObject = (meeting: Meeting) => Fields;

/** `*.updated`: what changed in the event object, and what it was before. */
function hostedUpdated(
  shape: EventObject,
  before: Meeting,
  after: Meeting,
  host: User,
  operator: User,
  timeMs: number,
) {
  const { changed, previous } = diffFields(shape(before), shape(after));
  return {
    account_id: host.account_id,
    ...operatorFields(operator),
    object: { id: after.id, uuid: after.uuid, ...changed },
    old_object: { id: before.id, uuid: before.uuid, ...previous },
    time_stamp: timeMs,
  };
}

/** `*.deleted`: the event object without its link, passcode and settings. */
function hostedDeleted(shape: EventObject, meeting: Meeting, host: User, operator: User) {
  const {
    join_url: _joinUrl,
    password: _password,
    settings: _settings,
    ...object
  } = shape(meeting);
  return { account_id: host.account_id, ...operatorFields(operator), object };
}

export const meetingUpdated = (
  before: Meeting,
  after: Meeting,
  host: User,
  operator: User,
  timeMs: number,
) => hostedUpdated(meetingEventObject, before, after, host, operator, timeMs);

export const meetingDeleted = (meeting: Meeting, host: User, operator: User) =>
  hostedDeleted(meetingEventObject, meeting, host, operator);

export function webinarCreated(webinar: Webinar, host: User, operator: User) {
  return {
    account_id: host.account_id,
    ...operatorFields(operator),
    object: { ...webinarEventObject(webinar), creation_source: 'open_api' },
  };
}

export const webinarUpdated = (
  before: Webinar,
  after: Webinar,
  host: User,
  operator: User,
  timeMs: number,
) => hostedUpdated(webinarEventObject, before, after, host, operator, timeMs);

export const webinarDeleted = (webinar: Webinar, host: User, operator: User) =>
  hostedDeleted(webinarEventObject, webinar, host, operator);

/** The user fields whose changes Zoom reports in user.updated. */
export function userEventFields(user: User, account: Account | undefined): Fields {
  return {
    first_name: user.first_name,
    last_name: user.last_name,
    // Zoom's user object (and /users/me) carry it too; it changes with either name part.
    display_name: displayName(user),
    email: user.email,
    pmi: user.pmi,
    type: user.type,
    status: user.status,
    use_pmi: user.use_pmi,
    timezone: user.timezone,
    // A removed personal link reads as "" (an absent key would vanish from the JSON).
    vanity_url: vanityUrl(user, account) ?? '',
  };
}

export function userUpdated(
  before: User,
  after: User,
  operator: User,
  account: Account | undefined,
  timeMs: number,
) {
  const { changed, previous } = diffFields(
    userEventFields(before, account),
    userEventFields(after, account),
  );
  return {
    account_id: after.account_id,
    ...operatorFields(operator),
    object: { id: after.id, ...changed },
    old_object: { id: before.id, ...previous },
    time_stamp: timeMs,
  };
}

/**
 * Zoom's `signature` field's recipe is undocumented; the emulator signs
 * `account_id|user_id|client_id|deauthorization_time` with the client secret.
 */
export function appDeauthorized(
  grant: Grant,
  app: App,
  timeIso: string,
  userDataRetention = false,
) {
  const signature = createHmac('sha256', app.client_secret)
    .update(`${grant.account_id}|${grant.user_id}|${app.client_id}|${timeIso}`)
    .digest('hex');
  return {
    account_id: grant.account_id,
    user_id: grant.user_id,
    signature,
    deauthorization_time: timeIso,
    client_id: app.client_id,
    // A string, as in Zoom's samples.
    user_data_retention: String(userDataRetention),
  };
}
