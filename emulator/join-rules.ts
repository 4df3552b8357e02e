// What happens when a bot joins a meeting with the tokens Hostpass minted, following Zoom's
// rules: a valid local-recording join token for THIS meeting grants recording (and skips the
// waiting room when minted with bypass_waiting_room=true); a 3rd-party recording token grants
// recording to native (Meeting SDK) clients only; join tokens are single-use and meeting-bound
// and are consumed by a successful join; a ZAK makes the bot that user (the host's ZAK starts
// the meeting as host); an OBF token needs its user to be in the meeting. A token that is
// presented but not valid refuses the join, as the SDK's join fails.

import type { EmulatorClock } from './clock.ts';
import type {
  Meeting,
  MeetingToken,
  MeetingTokenKind,
  User,
  UserToken,
  UserTokenKind,
} from './model.ts';
import type { EmulatorState } from './state.ts';

export interface JoinRequest {
  variant: 'web' | 'native';
  join_token?: string | undefined;
  third_party_recording_token?: string | undefined;
  zak?: string | undefined;
  obf?: string | undefined;
}

export type JoinResult =
  | {
      admitted: 'direct' | 'waiting_room';
      recording: 'allowed' | 'must_ask_host' | 'denied';
      reason: string;
    }
  | { admitted: 'refused'; recording: 'denied'; reason: string };

const refuse = (reason: string): JoinResult => ({
  admitted: 'refused',
  recording: 'denied',
  reason,
});

export function createJoinRules(deps: { state: EmulatorState; clock: EmulatorClock }) {
  const { state, clock } = deps;

  const meetingToken = (
    raw: string,
    kind: MeetingTokenKind,
    meeting: Meeting,
  ): MeetingToken | string => {
    const token = state.meetingTokens.get(raw);
    if (!token || token.kind !== kind) return `${kind} token is not valid`;
    if (token.meeting_id !== meeting.id) return `${kind} token was issued for another meeting`;
    if (token.used) return `${kind} token was already used`;
    if (token.expires_at_ms <= clock.nowMs()) return `${kind} token has expired`;
    return token;
  };

  const userToken = (raw: string, kind: UserTokenKind, meeting: Meeting): UserToken | string => {
    const token = state.userTokens.get(raw);
    if (!token || token.kind !== kind) return `${kind} token is not valid`;
    if (token.expires_at_ms <= clock.nowMs()) return `${kind} token has expired`;
    if (token.meeting_id !== null && token.meeting_id !== meeting.id) {
      return `${kind} token was issued for another meeting`;
    }
    return token;
  };

  return {
    join(meeting: Meeting, host: User, request: JoinRequest): JoinResult {
      let joinToken: MeetingToken | null = null;
      let thirdParty: MeetingToken | null = null;
      let zakUser: string | null = null;
      if (request.join_token) {
        const found = meetingToken(request.join_token, 'local_recording', meeting);
        if (typeof found === 'string') return refuse(found);
        joinToken = found;
      }
      if (request.third_party_recording_token) {
        if (request.variant !== 'native') {
          return refuse(
            '3rd-party recording tokens are accepted from native (Meeting SDK) clients only',
          );
        }
        const found = meetingToken(
          request.third_party_recording_token,
          'third_party_recording',
          meeting,
        );
        if (typeof found === 'string') return refuse(found);
        thirdParty = found;
      }
      if (request.zak) {
        const found = userToken(request.zak, 'zak', meeting);
        if (typeof found === 'string') return refuse(found);
        zakUser = found.user_id;
      }
      if (request.obf) {
        const found = userToken(request.obf, 'onbehalf', meeting);
        if (typeof found === 'string') return refuse(found);
        if (!meeting.participants.includes(found.user_id)) {
          return refuse('the user who authorized the on-behalf token is not in the meeting');
        }
      }

      const isHost = zakUser === host.id;
      const bypass = isHost || (joinToken?.bypass_waiting_room ?? false);
      const admitted = !meeting.waiting_room || bypass ? 'direct' : 'waiting_room';
      if (joinToken) joinToken.used = true;
      if (thirdParty) thirdParty.used = true;

      const account = state.accounts.get(host.account_id);
      if (isHost) return { admitted, recording: 'allowed', reason: 'joined as the host (ZAK)' };
      if (thirdParty && account?.third_party_recording) {
        return { admitted, recording: 'allowed', reason: '3rd-party recording token' };
      }
      if (!host.local_recording) {
        return {
          admitted,
          recording: 'denied',
          reason: 'local recording is disabled for the host',
        };
      }
      if (joinToken) {
        const how = joinToken.bypass_waiting_room ? ', waiting room bypassed' : '';
        return { admitted, recording: 'allowed', reason: `local recording join token${how}` };
      }
      return {
        admitted,
        recording: 'must_ask_host',
        reason: 'no recording token: the bot must ask the host',
      };
    },
  };
}

export type JoinRules = ReturnType<typeof createJoinRules>;
