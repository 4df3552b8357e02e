// Who may touch what on the REST surface: granted scopes (4711) and the user boundary. A
// user-level token reaches only its own user (other users: code 200 "No permission."); an
// account-level token reaches every user of its account, but another user's data needs the
// `:admin` variant of the scope. Users and meetings of OTHER accounts do not exist for a caller
// (1001 / 3001), as on Zoom, except as the meeting of an on-behalf token (an external meeting).

import type { Meeting, User, Webinar } from './model.ts';
import type { AuthenticatedCall } from './oauth-service.ts';
import type { EmulatorState } from './state.ts';
import { apiErrors, ZoomApiFailure } from './zoom-errors.ts';
import { personalMeeting } from './zoom-shapes.ts';

/** A granular scope and its account-level (`:admin`) variant. */
export interface ScopePair {
  own: string | null;
  admin: string;
}

const fail = (failure: ReturnType<(typeof apiErrors)[keyof typeof apiErrors]>): never => {
  throw new ZoomApiFailure(failure);
};

export function scopePair(own: string): ScopePair {
  return { own, admin: `${own}:admin` };
}

export function requireAnyScope(call: AuthenticatedCall, pairs: readonly ScopePair[]): void {
  const accepted = pairs.flatMap((pair) => (pair.own ? [pair.own, pair.admin] : [pair.admin]));
  if (!accepted.some((scope) => call.grant.scopes.includes(scope))) {
    fail(apiErrors.missingScopes(accepted));
  }
}

/** Checks that the caller may act on `target` (the user itself, or the host of a meeting). */
export function requireReach(
  call: AuthenticatedCall,
  target: User,
  pairs: readonly ScopePair[],
): void {
  if (target.id === call.user.id) return;
  if (call.grant.kind === 'user_level') fail(apiErrors.noPermission());
  const admin = pairs.map((pair) => pair.admin);
  if (!admin.some((scope) => call.grant.scopes.includes(scope)))
    fail(apiErrors.missingScopes(admin));
}

export function createResolver(deps: { state: EmulatorState }) {
  const { state } = deps;
  return {
    /** `{userId}`: `me`, an id or an email, within the caller's account. */
    user(call: AuthenticatedCall, userId: string): User {
      if (userId === 'me') return call.user;
      const user = state.userByIdOrEmail(userId);
      if (!user || user.account_id !== call.grant.account_id)
        return fail(apiErrors.userNotFound(userId));
      return user;
    },

    /** `{meetingId}`: a meeting number (9–11 digits) or a PMI, within the caller's account. */
    meeting(call: AuthenticatedCall, meetingId: string): { meeting: Meeting; host: User } {
      if (!/^\d{9,11}$/.test(meetingId)) return fail(apiErrors.invalidMeetingId());
      const found = findMeeting(state, Number(meetingId));
      if (!found || found.host.account_id !== call.grant.account_id) {
        return fail(apiErrors.meetingNotFound(meetingId));
      }
      return found;
    },

    /** `{webinarId}`: a webinar number within the caller's account. */
    webinar(call: AuthenticatedCall, webinarId: string): { webinar: Webinar; host: User } {
      if (!/^\d{9,11}$/.test(webinarId)) return fail(apiErrors.invalidMeetingId());
      const found = findWebinar(state, Number(webinarId));
      if (!found || found.host.account_id !== call.grant.account_id) {
        return fail(apiErrors.webinarNotFound(webinarId));
      }
      return found;
    },

    /**
     * A meeting of ANY account, for on-behalf tokens: they are how an app joins meetings hosted
     * outside its users' accounts (Zoom requires them there since 2026-03-02).
     */
    anyMeeting(meetingId: string): Meeting {
      if (!/^\d{9,11}$/.test(meetingId)) return fail(apiErrors.invalidMeetingId());
      return (
        findMeeting(state, Number(meetingId))?.meeting ?? fail(apiErrors.meetingNotFound(meetingId))
      );
    },
  };
}

export function findMeeting(
  state: EmulatorState,
  id: number,
): { meeting: Meeting; host: User } | null {
  const meeting = state.meetings.get(id);
  if (meeting) {
    const host = state.users.get(meeting.host_id);
    return host ? { meeting, host } : null;
  }
  const owner = state.userByPmi(id);
  return owner ? { meeting: personalMeeting(owner), host: owner } : null;
}

export function findWebinar(
  state: EmulatorState,
  id: number,
): { webinar: Webinar; host: User } | null {
  const webinar = state.webinars.get(id);
  const host = webinar && state.users.get(webinar.host_id);
  return webinar && host ? { webinar, host } : null;
}
