import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type {
  CredentialAccess,
  CredentialRef,
  CredentialRow,
  ZoomIdentity,
} from '../credentials/service.ts';
import type { Database } from '../db/database.ts';
import type { StoredWebhookEvent, WebhookEventHandler } from '../webhooks/processor.ts';
import { zoomUserProfile } from '../zoom/user-profile.ts';
import { vanityName } from '../zoom/vanity-name.ts';
import type { MeetingKind, MeetingsStore } from './store.ts';

/** `payload.object` (and `old_object`) of Zoom's meeting events, as far as the handlers read it. */
const MeetingObject = Type.Object({
  id: Type.Optional(Type.Union([Type.Number(), Type.String()])),
  host_id: Type.Optional(Type.String()),
  occurrences: Type.Optional(Type.Array(Type.Unknown())),
});
type MeetingObject = Static<typeof MeetingObject>;
const isMeetingObject = Compile(MeetingObject);

/** `payload.object` (and `old_object`) of `user.updated`. */
const UserObject = Type.Object({
  id: Type.Optional(Type.String()),
  pmi: Type.Optional(Type.Union([Type.Number(), Type.String()])),
  vanity_url: Type.Optional(Type.String()),
  // Read leniently by zoomUserProfile: a name of an unexpected type is no name, not a bad event.
  email: Type.Optional(Type.Unknown()),
  display_name: Type.Optional(Type.Unknown()),
  first_name: Type.Optional(Type.Unknown()),
  last_name: Type.Optional(Type.Unknown()),
});
const isUserObject = Compile(UserObject);

/** The object if it has the schema's shape; a payload Zoom sent otherwise is treated as absent. */
const objectOf = <T>(check: { Check(value: unknown): value is T }, value: unknown) =>
  check.Check(value) ? value : undefined;

const meetingIdOf = (object: MeetingObject | undefined) => {
  const id = Number(object?.id);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
};

/** What a meeting (webinar) event changes: its id leaves the account, and/or maps to a host. */
interface MeetingChange {
  event: StoredWebhookEvent;
  meetingId: number;
  /** The meeting leaves every credential of the account (a delete, or a move to another host). */
  unmap: boolean;
  map: { hostId: string; kind: MeetingKind } | null;
}

/** The meeting and webinar events, by what they do and which endpoints serve the id. */
const MEETING_EVENTS: Record<
  string,
  { action: 'created' | 'updated' | 'deleted'; kind: MeetingKind }
> = {
  'meeting.created': { action: 'created', kind: 'meeting' },
  'meeting.updated': { action: 'updated', kind: 'meeting' },
  'meeting.deleted': { action: 'deleted', kind: 'meeting' },
  // Webinars: the same rules, mapped with kind "webinar" (tokens come from /webinars/{id}/…).
  'webinar.created': { action: 'created', kind: 'webinar' },
  'webinar.updated': { action: 'updated', kind: 'webinar' },
  'webinar.deleted': { action: 'deleted', kind: 'webinar' },
};

/** The event's change, or null when it changes no mapping. */
function meetingChange(event: StoredWebhookEvent): MeetingChange | null {
  const rule = MEETING_EVENTS[event.event];
  if (!rule) return null;
  const object = objectOf(isMeetingObject, event.payload.object);
  const { action, kind } = rule;
  if (action === 'deleted') {
    const meetingId = meetingIdOf(object);
    // Deleting one occurrence of a recurring meeting leaves the meeting in place.
    if (meetingId === null || (object?.occurrences && object.occurrences.length > 0)) return null;
    return { event, meetingId, unmap: true, map: null };
  }
  const meetingId =
    action === 'created'
      ? meetingIdOf(object)
      : (meetingIdOf(object) ?? meetingIdOf(objectOf(isMeetingObject, event.payload.old_object)));
  // Map by the host, not the operator: an assistant may schedule for someone else.
  if (meetingId === null || !object?.host_id) return null;
  // An update may move the meeting to another host: drop the old host's mappings, then map the
  // new host (one transaction: the meeting is never unmapped in between).
  return { event, meetingId, unmap: action === 'updated', map: { hostId: object.host_id, kind } };
}

/**
 * Keeps mappings current between full syncs. Events are applied in order per meeting (the job
 * queue keys them by meeting), and every handler is idempotent: applying one twice changes nothing.
 */
export function createSyncWebhookHandlers(deps: {
  db: Database;
  syncs: MeetingsStore;
  credentials: CredentialAccess;
}): Record<string, WebhookEventHandler> {
  const { db, syncs, credentials } = deps;

  /** The app's credentials that reach a Zoom user: their own user-level grant, or their account's. */
  const reaching = (event: StoredWebhookEvent, hostId: string): Promise<CredentialRow[]> =>
    credentials.findByZoomIdentity(
      event.oauth_app_id,
      hostId,
      String(event.payload.account_id ?? ''),
    );

  /**
   * Meeting events' changes, in one transaction, a few statements for all of them: each meeting
   * leaves the account's credentials (`unmap`), then is mapped to its host in every credential
   * that reaches them. Each credential touched gets the meeting's event mark under its event
   * lock, so a sync page fetched before the event cannot undo it (the runner's commit). Events
   * of one meeting (never together in a batch of jobs, which hold one per key) would be applied
   * one after another, in order.
   */
  async function applyMeetingEvents(events: readonly StoredWebhookEvent[]): Promise<void> {
    const changes = events.map(meetingChange).filter((change) => change !== null);
    // Who each change touches: one lookup for every change's credentials.
    const identities: ZoomIdentity[] = [];
    const ask = (event: StoredWebhookEvent, zoomUserId: string | null) =>
      identities.push({
        appId: event.oauth_app_id,
        zoomUserId,
        zoomAccountId: String(event.payload.account_id ?? ''),
      }) - 1;
    const asked = changes.map((change) => ({
      change,
      unmapAt: change.unmap ? ask(change.event, null) : -1,
      mapAt: change.map ? ask(change.event, change.map.hostId) : -1,
    }));
    const found = await credentials.findByZoomIdentities(identities);
    // Waves: a meeting's first change in the first, its second (if any) in the next, …
    const waves: Array<
      Array<MeetingChange & { unmapFrom: CredentialRef[]; mapTo: CredentialRef[] }>
    > = [];
    const seen = new Map<string, number>();
    for (const { change, unmapAt, mapAt } of asked) {
      const key = `${change.event.oauth_app_id}:${change.meetingId}`;
      const wave = seen.get(key) ?? 0;
      seen.set(key, wave + 1);
      waves[wave] ??= [];
      waves[wave].push({ ...change, unmapFrom: found[unmapAt] ?? [], mapTo: found[mapAt] ?? [] });
    }
    const touched = waves.flat().flatMap((change) => [...change.unmapFrom, ...change.mapTo]);
    if (touched.length === 0) return;
    await db.transaction(async (tx) => {
      await syncs.lockForMeetingEvent(
        touched.map((credential) => credential.id),
        tx,
      );
      for (const wave of waves) {
        const pairs = (change: MeetingChange, credentials: readonly CredentialRef[]) =>
          credentials.map((credential) => ({
            credentialId: credential.id,
            meetingId: change.meetingId,
          }));
        await syncs.deleteMappings(
          wave.flatMap((change) => pairs(change, change.unmapFrom)),
          tx,
        );
        const mapped = wave.flatMap(({ meetingId, map, mapTo }) =>
          map
            ? mapTo.map((credential) => ({
                workspaceId: credential.workspace_id,
                credentialId: credential.id,
                meetingId,
                hostUserId: map.hostId,
                kind: map.kind,
              }))
            : [],
        );
        // A host Hostpass has not seen yet (new in the account) is known now, not at the next
        // resync; a known host keeps its PMI and personal link name (a meeting event has neither).
        await syncs.touchHosts(
          mapped.map(({ workspaceId, credentialId, hostUserId }) => ({
            workspaceId,
            credentialId,
            zoomUserId: hostUserId,
          })),
          tx,
        );
        await syncs.upsertMappingsOf(
          mapped.map((mapping) => ({ ...mapping, source: 'webhook' as const })),
          tx,
        );
        await syncs.markMeetingEvents(
          wave.flatMap((change) => pairs(change, [...change.unmapFrom, ...change.mapTo])),
          tx,
        );
      }
    });
  }

  const meetingEvents: WebhookEventHandler = { many: applyMeetingEvents };

  return {
    ...Object.fromEntries(Object.keys(MEETING_EVENTS).map((name) => [name, meetingEvents])),

    // A new PMI replaces the old one's mapping; a new personal link name replaces the old name.
    'user.updated': {
      one: async (event) => {
        const object = objectOf(isUserObject, event.payload.object);
        const old = objectOf(isUserObject, event.payload.old_object);
        if (!object?.id) return;
        // A new email or name: the credentials this user authorized show it at once.
        const profile = zoomUserProfile(object);
        if (profile.email !== null || profile.displayName !== null) {
          await credentials.updateZoomUserOf(event.oauth_app_id, object.id, profile);
        }
        if (object.pmi === undefined && object.vanity_url === undefined) return;
        const userId = object.id;
        const newPmi = object.pmi === undefined ? null : Number(object.pmi);
        const oldPmi = old?.pmi === undefined ? null : Number(old.pmi);
        const targets = await reaching(event, userId);
        await db.transaction(async (tx) => {
          await syncs.lockForMeetingEvent(
            targets.map((credential) => credential.id),
            tx,
          );
          for (const credential of targets) {
            const known = await syncs.findHost(credential.id, userId, tx);
            const pmi = newPmi ?? known?.pmi ?? null;
            const previous = oldPmi ?? known?.pmi ?? null;
            if (newPmi !== null && previous !== null && previous !== newPmi) {
              await syncs.deleteMapping(credential.id, previous, tx);
              // A users page listed before this event must not map the old PMI again.
              await syncs.markMeetingEvent(credential.id, [previous, newPmi], tx);
            }
            const vanity =
              object.vanity_url === undefined
                ? (known?.vanityName ?? null)
                : vanityName(object.vanity_url);
            await syncs.upsertHosts(
              credential.workspace_id,
              credential.id,
              [{ zoomUserId: userId, pmi, vanityName: vanity }],
              tx,
            );
            if (pmi !== null) {
              await syncs.upsertMappings(
                credential.workspace_id,
                credential.id,
                [{ meetingId: pmi, hostUserId: userId, source: 'pmi' }],
                tx,
              );
            }
          }
        });
      },
    },
  };
}
