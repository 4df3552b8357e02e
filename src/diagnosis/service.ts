import type { Static, TSchema } from 'typebox';
import type { CredentialRow } from '../credentials/service.ts';
import type { TokenManager } from '../credentials/token-manager.ts';
import { BadRequestError, NotFoundError } from '../errors.ts';
import type { ResolvedMeeting } from '../meetings/meeting-lookup.ts';
import type { MeetingKind, MeetingsService } from '../meetings/service.ts';
import type { Minter, MintRequest } from '../tokens/minter.ts';
import { THIRD_PARTY_SCOPE } from '../tokens/minter.ts';
import type { MintFailure } from '../tokens/schemas.ts';
import type { TokenService } from '../tokens/service.ts';
import { ZoomMeeting, ZoomUserSettings } from '../zoom/answers.ts';
import { ZOOM_CODE_MISSING_SCOPES, type ZoomApiClient, ZoomApiError } from '../zoom/api.ts';
import { isMeetingUrlError, parseMeetingReference } from '../zoom/meeting-url.ts';
import { LOCAL_RECORDING_TOKEN_SCOPES } from '../zoom/scopes.ts';
import type { Diagnosis, DiagnosisCheck, DiagnosisRequest } from './schemas.ts';

/** Zoom's "local recording is not allowed" answer to a join-token request. */
const ZOOM_CODE_LOCAL_RECORDING_OFF = 3000;

/**
 * What a failed check means for the bot: it will ask the host, nobody can tell (Zoom did not
 * answer, the meeting is gone), or nothing by itself (a check Hostpass could not run).
 */
type Effect = 'asks_host' | 'cannot_tell' | 'none';
interface RanCheck extends DiagnosisCheck {
  effect: Effect;
}

const passed = (name: DiagnosisCheck['name'], detail: string): RanCheck => ({
  name,
  ok: true,
  detail,
  fix: null,
  effect: 'none',
});
const failed = (
  name: DiagnosisCheck['name'],
  detail: string,
  fix: string,
  effect: Effect,
): RanCheck => ({ name, ok: false, detail, fix, effect });

const CONNECT_FIX =
  'Send the host a new Connect link (POST /api/v2/zoom-connect-links/, or Connect in the dashboard) so they authorize your Zoom app again; for an account-level app, an admin of their account does.';

const LEARNT_FROM: Record<ResolvedMeeting['source'], string> = {
  pmi: "the host's personal meeting ID, read by a sync",
  scheduled: "a sync of the host's scheduled meetings",
  webhook: 'a Zoom event (created or updated)',
  lookup: 'a look-up at Zoom when it was asked for (no sync had seen it)',
};

function describeCredential(credential: CredentialRow): string {
  return credential.app_kind === 'user_level'
    ? `credential ${credential.id} (user-level grant of Zoom user ${credential.zoom_user_id})`
    : `credential ${credential.id} (account-level grant of Zoom account ${credential.zoom_account_id})`;
}

/** Words for Zoom's refusal; never a token (Zoom's error answers carry none). */
const zoomSaid = (error: ZoomApiError) =>
  `Zoom answered ${error.status}${error.code !== null ? ` (code ${error.code})` : ''}: ${error.zoomMessage}`;

/**
 * "Will my bot record this meeting without asking, and if not, why?" Runs the checks a bot's
 * join depends on, in the order a failure would stop it, each with what to do about it. The
 * dry run mints a real join token (Zoom has no dry-run mode) and throws it away: the answer
 * never carries it, and a bot still gets its own (join tokens are single-use).
 */
export const diagnosisServiceFactory = (deps: {
  tokens: Pick<TokenService, 'referenceOf'>;
  meetings: Pick<MeetingsService, 'resolveCredential'>;
  tokenManager: Pick<TokenManager, 'callWithToken'>;
  api: ZoomApiClient;
  minter: Minter;
  /** How long each Zoom call may take. */
  deadlineMs: number;
  now: () => number;
}) => {
  const { tokens, meetings, tokenManager, api, minter, now } = deps;

  function zoomGet<S extends TSchema>(
    credential: CredentialRow,
    schema: S,
    path: string,
  ): Promise<Static<S>> {
    return tokenManager.callWithToken(credential, (token) =>
      api.get(schema, path, token, deps.deadlineMs),
    );
  }

  const userPath = (credential: CredentialRow, userId: string) =>
    credential.app_kind === 'user_level' && credential.zoom_user_id === userId
      ? 'me'
      : encodeURIComponent(userId);

  /** Zoom still has the meeting, with the host the mapping names. */
  async function zoomReportsMeeting(
    meetingId: number,
    kind: MeetingKind,
    mapping: ResolvedMeeting,
  ): Promise<RanCheck> {
    const name = 'zoom_reports_meeting';
    const what = kind === 'webinar' ? 'webinar' : 'meeting';
    try {
      const answer = await zoomGet(mapping.credential, ZoomMeeting, `/${what}s/${meetingId}`);
      const host = answer.host_id || null;
      if (host === mapping.host_user_id)
        return passed(name, `Zoom reports ${what} ${meetingId}, hosted by ${host}, as mapped.`);
      return failed(
        name,
        `Zoom reports ${what} ${meetingId} hosted by ${host ?? '(no host given)'}, but Hostpass maps it to ${mapping.host_user_id}.`,
        `The ${what} moved to another host: connect the new host (or their account) and sync the credential (POST /api/v2/zoom-oauth-credentials/${mapping.credential_id}/sync-meetings/), or let Zoom's ${what}.updated event remap it.`,
        'asks_host',
      );
    } catch (error) {
      if (error instanceof ZoomApiError && error.status === 404) {
        return failed(
          name,
          `Zoom does not know ${what} ${meetingId} any more: ${error.zoomMessage}`,
          `Check the link: the ${what} was deleted, or the id is wrong. A sync (POST /api/v2/zoom-oauth-credentials/${mapping.credential_id}/sync-meetings/) removes the stale mapping.`,
          'cannot_tell',
        );
      }
      return couldNotCheck(
        name,
        error,
        `${kind === 'webinar' ? 'webinar:read:webinar' : 'meeting:read:meeting'}${mapping.credential.app_kind === 'account_level' ? ':admin' : ''}`,
      );
    }
  }

  /** The host's "Local recording" setting, which a local-recording join token needs. */
  async function hostAllowsLocalRecording(mapping: ResolvedMeeting): Promise<RanCheck> {
    const name = 'host_allows_local_recording';
    try {
      const settings = await zoomGet(
        mapping.credential,
        ZoomUserSettings,
        `/users/${userPath(mapping.credential, mapping.host_user_id)}/settings`,
      );
      const local = settings.recording?.local_recording;
      if (local === true)
        return passed(name, `Zoom user ${mapping.host_user_id} has local recording turned on.`);
      if (local === false) {
        return failed(
          name,
          `Zoom user ${mapping.host_user_id} has local recording turned off (Settings > Recording > Local recording), so Zoom gives no join token for local recording.`,
          'The host turns on "Local recording" in the Zoom web portal (Settings > Recording), or an account admin turns it on for everyone (Account Settings > Recording) and unlocks it.',
          'asks_host',
        );
      }
      return failed(
        name,
        "Zoom's settings answer has no recording.local_recording.",
        'Nothing to do here: the dry run below tells whether Zoom gives the token.',
        'none',
      );
    } catch (error) {
      return couldNotCheck(
        name,
        error,
        `user:read:settings${mapping.credential.app_kind === 'account_level' ? ':admin' : ''}`,
      );
    }
  }

  /** A check Zoom did not let Hostpass run: said so, with how to make it possible. */
  function couldNotCheck(name: DiagnosisCheck['name'], error: unknown, scope: string): RanCheck {
    if (error instanceof ZoomApiError && error.code === ZOOM_CODE_MISSING_SCOPES) {
      return failed(
        name,
        `Not checked: the grant lacks the scope ${scope} (${zoomSaid(error)}).`,
        `Optional: add ${scope} to your Zoom app's scopes and have the host authorize again, so this can be checked.`,
        'none',
      );
    }
    const detail =
      error instanceof ZoomApiError
        ? zoomSaid(error)
        : `Zoom did not answer: ${(error as Error).message}`;
    return failed(name, `Not checked: ${detail}`, 'Try again in a minute.', 'none');
  }

  function mintFix(failure: MintFailure, kindScope: string): { fix: string; effect: Effect } {
    if (failure.code === 'zoom_unavailable' || failure.code === 'deadline_exceeded')
      return { fix: 'Zoom did not answer in time: try again in a minute.', effect: 'cannot_tell' };
    if (failure.code === 'credential_unhealthy') return { fix: CONNECT_FIX, effect: 'asks_host' };
    if (failure.zoom_code === ZOOM_CODE_MISSING_SCOPES) {
      return {
        fix: `Add ${kindScope} to your Zoom app's scopes, then have the host authorize again (Zoom adds scopes to a grant only on consent).`,
        effect: 'asks_host',
      };
    }
    if (failure.zoom_code === ZOOM_CODE_LOCAL_RECORDING_OFF) {
      return {
        fix: 'The host turns on "Local recording" in the Zoom web portal (Settings > Recording), or an account admin turns it on for the account.',
        effect: 'asks_host',
      };
    }
    return {
      fix: 'Zoom refused: check the failed checks above; if none failed, reconnect the host (a new Connect link).',
      effect: 'asks_host',
    };
  }

  async function dryRun(
    request: MintRequest,
    kind: 'join_token' | 'third_party_recording_token',
    scope: string,
  ): Promise<RanCheck> {
    const name = kind === 'join_token' ? 'join_token_dry_run' : 'third_party_recording_token';
    const { tokens: minted, errors } = await minter.mint(request, [kind]);
    const token = minted[kind];
    if (token) {
      return passed(
        name,
        kind === 'join_token'
          ? `Zoom minted a join token for local recording (valid until ${token.expires_at}); Hostpass threw it away: a bot gets its own when it joins.`
          : `Zoom minted a 3rd party recording token (valid until ${token.expires_at}); Hostpass threw it away.`,
      );
    }
    const failure = errors[kind] ?? { code: 'zoom_refused', message: 'Zoom gave no token.' };
    if (kind === 'third_party_recording_token' && failure.code !== 'zoom_unavailable') {
      return failed(
        name,
        failure.message,
        `3rd party recording tokens are a Zoom closed beta: the account needs it enabled by Zoom and "Allow 3rd-party recording" on, and your app the scope ${THIRD_PARTY_SCOPE} (then authorize again). A native bot still records with the join token above.`,
        'none',
      );
    }
    const { fix, effect } = mintFix(failure, scope);
    return failed(name, failure.message, fix, effect);
  }

  /** The checks that need Zoom, for a mapped meeting with a healthy grant. */
  async function zoomChecks(
    meetingId: number,
    mapping: ResolvedMeeting,
    variant: 'web' | 'native',
  ): Promise<RanCheck[]> {
    const { credential, kind } = mapping;
    const scopes = LOCAL_RECORDING_TOKEN_SCOPES[credential.app_kind][kind];
    const scope = scopes[0] as string;
    const scopeCheck =
      credential.scopes.length === 0
        ? passed(
            'local_recording_scope',
            "Zoom did not list the grant's scopes; the dry run below tells whether the token can be minted.",
          )
        : scopes.some((each) => credential.scopes.includes(each))
          ? passed(
              'local_recording_scope',
              `The grant has ${scopes.find((each) => credential.scopes.includes(each))}, which allows join tokens for local recording.`,
            )
          : failed(
              'local_recording_scope',
              `The grant lacks the scope for join tokens for local recording (${scope}); it has: ${credential.scopes.join(', ')}.`,
              `Add ${scope} to your Zoom app's scopes (Marketplace > your app > Scopes), then have the host authorize again (a new Connect link): Zoom adds scopes to a grant only on consent.`,
              'asks_host',
            );
    const request: MintRequest = {
      credential,
      meetingId,
      kind,
      hostUserId: mapping.host_user_id,
      bypassWaitingRoom: true,
      variant,
      obfUserId: null,
      deadline: now() + deps.deadlineMs,
    };
    const wantsThirdParty =
      variant === 'native' && credential.app_kind === 'account_level' && kind === 'meeting';
    const [reported, settings, joinToken, thirdParty] = await Promise.all([
      zoomReportsMeeting(meetingId, kind, mapping),
      hostAllowsLocalRecording(mapping),
      dryRun(request, 'join_token', scope),
      wantsThirdParty
        ? dryRun(request, 'third_party_recording_token', THIRD_PARTY_SCOPE)
        : Promise.resolve(null),
    ]);
    return [scopeCheck, reported, settings, joinToken, ...(thirdParty ? [thirdParty] : [])];
  }

  function verdictOf(checks: readonly RanCheck[]): Diagnosis['verdict'] {
    const minted = checks.some(
      (check) =>
        (check.name === 'join_token_dry_run' || check.name === 'third_party_recording_token') &&
        check.ok,
    );
    if (minted) return 'records_without_asking';
    const failures = checks.filter((check) => !check.ok);
    if (failures.some((check) => check.effect === 'cannot_tell')) return 'cannot_tell';
    return failures.some((check) => check.effect === 'asks_host') ? 'asks_host' : 'cannot_tell';
  }

  return {
    async diagnose(workspaceId: string, request: DiagnosisRequest): Promise<Diagnosis> {
      if (request.meeting_id !== undefined && request.meeting_url !== undefined)
        throw new BadRequestError('Give meeting_url or meeting_id, not both.');
      if (request.meeting_id === undefined && request.meeting_url === undefined)
        throw new BadRequestError('Give meeting_url or meeting_id.');
      const checks: RanCheck[] = [];
      const answer = (
        meetingId: number | null,
        kind: MeetingKind | null,
        credential: string | null,
      ): Diagnosis => ({
        meeting_id: meetingId,
        kind,
        credential,
        verdict: verdictOf(checks),
        checks: checks.map(({ effect: _effect, ...check }) => check),
        checked_at: new Date(now()).toISOString(),
      });

      // 1. The link.
      let reference: { meetingId: number; kind: MeetingKind };
      if (request.meeting_url === undefined) {
        reference = { meetingId: request.meeting_id as number, kind: 'meeting' };
        checks.push(passed('link_parses', `Meeting id ${reference.meetingId}, given as an id.`));
      } else {
        const parsed = parseMeetingReference(request.meeting_url);
        if (isMeetingUrlError(parsed)) {
          checks.push(
            failed(
              'link_parses',
              `Not a Zoom meeting link: ${parsed.error}.`,
              'Paste the link exactly as Zoom shows it (https://zoom.us/j/… for meetings, /w/… for webinars, /my/… for personal links) or the meeting id.',
              'cannot_tell',
            ),
          );
          return answer(null, null, null);
        }
        try {
          reference = await tokens.referenceOf(workspaceId, { meeting_url: request.meeting_url });
        } catch (error) {
          if (!(error instanceof NotFoundError) || parsed.kind !== 'vanity') throw error;
          checks.push(passed('link_parses', `A personal link: zoom.us/my/${parsed.vanityName}.`));
          checks.push(
            failed(
              'mapping_exists',
              `No synced Zoom user has the personal link name "${parsed.vanityName}".`,
              "Connect that user (or their account) and let the sync run, or paste the meeting's /j/ link.",
              'asks_host',
            ),
          );
          return answer(null, null, null);
        }
        checks.push(
          passed(
            'link_parses',
            parsed.kind === 'vanity'
              ? `A personal link: zoom.us/my/${parsed.vanityName}, the personal meeting ID ${reference.meetingId}.`
              : `${reference.kind === 'webinar' ? 'A webinar link (/w/)' : 'A meeting link'} for id ${reference.meetingId}.`,
          ),
        );
      }
      const { meetingId } = reference;

      // 2. The mapping (a look-up at Zoom for a meeting no sync has seen, as every token path).
      const mapping = await meetings.resolveCredential(
        workspaceId,
        meetingId,
        now() + deps.deadlineMs,
        reference.kind,
      );
      if (!mapping) {
        checks.push(
          failed(
            'mapping_exists',
            `No connected Zoom user or account hosts ${reference.kind} ${meetingId}: no sync or Zoom event has mapped it, and no account-level grant of this workspace found it at Zoom.`,
            `Connect the host (a Connect link), or their account's admin with an account-level app; if they are connected, sync their credential (POST /api/v2/zoom-oauth-credentials/{id}/sync-meetings/). Otherwise check the ${reference.kind} id.`,
            'asks_host',
          ),
        );
        return answer(meetingId, reference.kind, null);
      }
      const { credential } = mapping;
      checks.push(
        passed(
          'mapping_exists',
          `${mapping.kind === 'webinar' ? 'Webinar' : 'Meeting'} ${meetingId} is hosted by Zoom user ${mapping.host_user_id}; ${describeCredential(credential)} reaches it. Learnt from ${LEARNT_FROM[mapping.source]}, last at ${new Date(mapping.synced_at).toISOString()}.`,
        ),
      );

      // 3. The credential: nothing below works with a dead grant.
      if (credential.status !== 'healthy') {
        checks.push(
          failed(
            'credential_healthy',
            `The credential is ${credential.status}: ${credential.status_reason ?? 'no reason recorded'}.`,
            CONNECT_FIX,
            'asks_host',
          ),
        );
        return answer(meetingId, mapping.kind, credential.id);
      }
      checks.push(
        passed(
          'credential_healthy',
          `The credential is healthy${credential.tokens_refreshed_at ? `; its tokens were last refreshed at ${new Date(credential.tokens_refreshed_at).toISOString()}` : ''}.`,
        ),
      );

      // 4. Scopes, Zoom's view of the meeting and host, and the dry runs, at once.
      checks.push(...(await zoomChecks(meetingId, mapping, request.variant ?? 'web')));
      return answer(meetingId, mapping.kind, credential.id);
    },
  };
};

export type DiagnosisService = ReturnType<typeof diagnosisServiceFactory>;
