import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { CredentialAccess, CredentialRow } from '../credentials/service.ts';
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
   * One meeting event's change, in one transaction: the meeting leaves the account's credentials
   * (`unmap`: a delete, or a move to another host), then is mapped to `map`'s host in every
   * credential that reaches them. Each credential touched gets the meeting's event mark under its
   * event lock, so a sync page fetched before this event cannot undo it (the runner's commit).
   */
  async function applyMeetingEvent(
    event: StoredWebhookEvent,
    meetingId: number,
    change: { unmap: boolean; map: { hostId: string; kind: MeetingKind } | null },
  ): Promise<void> {
    const [unmapFrom, mapTo] = await Promise.all([
      change.unmap
        ? credentials.findByZoomIdentity(
            event.oauth_app_id,
            null,
            String(event.payload.account_id ?? ''),
          )
        : [],
      change.map ? reaching(event, change.map.hostId) : [],
    ]);
    const touched = [...unmapFrom, ...mapTo];
    if (touched.length === 0) return;
    await db.transaction(async (tx) => {
      await syncs.lockForMeetingEvent(
        touched.map((credential) => credential.id),
        tx,
      );
      for (const credential of unmapFrom) await syncs.deleteMapping(credential.id, meetingId, tx);
      const { map } = change;
      if (map) {
        for (const credential of mapTo) {
          // A host Hostpass has not seen yet (new in the account) is mapped now, not at the next resync.
          // A known host keeps its PMI and personal link name: a meeting event carries neither.
          const known = await syncs.findHost(credential.id, map.hostId, tx);
          await syncs.upsertHosts(
            credential.workspace_id,
            credential.id,
            [
              {
                zoomUserId: map.hostId,
                pmi: known?.pmi ?? null,
                vanityName: known?.vanityName ?? null,
              },
            ],
            tx,
          );
          await syncs.upsertMappings(
            credential.workspace_id,
            credential.id,
            [{ meetingId, hostUserId: map.hostId, source: 'webhook', kind: map.kind }],
            tx,
          );
        }
      }
      for (const credentialId of new Set(touched.map((credential) => credential.id)))
        await syncs.markMeetingEvent(credentialId, [meetingId], tx);
    });
  }

  return {
    // Map by the host, not the operator: an assistant may schedule for someone else.
    'meeting.created': async (event) => {
      const object = objectOf(isMeetingObject, event.payload.object);
      const meetingId = meetingIdOf(object);
      if (meetingId !== null && object?.host_id)
        await applyMeetingEvent(event, meetingId, {
          unmap: false,
          map: { hostId: object.host_id, kind: 'meeting' },
        });
    },

    'meeting.updated': async (event) => {
      const object = objectOf(isMeetingObject, event.payload.object);
      const meetingId =
        meetingIdOf(object) ?? meetingIdOf(objectOf(isMeetingObject, event.payload.old_object));
      if (meetingId === null) return;
      // A host change moves the meeting: drop the old host's mappings, then map the new host
      // (one transaction: the meeting is never unmapped in between).
      if (object?.host_id)
        await applyMeetingEvent(event, meetingId, {
          unmap: true,
          map: { hostId: object.host_id, kind: 'meeting' },
        });
    },

    'meeting.deleted': async (event) => {
      const object = objectOf(isMeetingObject, event.payload.object);
      const meetingId = meetingIdOf(object);
      // Deleting one occurrence of a recurring meeting leaves the meeting in place.
      if (meetingId === null || (object?.occurrences && object.occurrences.length > 0)) return;
      await applyMeetingEvent(event, meetingId, { unmap: true, map: null });
    },

    // Webinars: the same rules, mapped with kind "webinar" (tokens come from /webinars/{id}/…).
    'webinar.created': async (event) => {
      const object = objectOf(isMeetingObject, event.payload.object);
      const webinarId = meetingIdOf(object);
      if (webinarId !== null && object?.host_id)
        await applyMeetingEvent(event, webinarId, {
          unmap: false,
          map: { hostId: object.host_id, kind: 'webinar' },
        });
    },

    'webinar.updated': async (event) => {
      const object = objectOf(isMeetingObject, event.payload.object);
      const webinarId =
        meetingIdOf(object) ?? meetingIdOf(objectOf(isMeetingObject, event.payload.old_object));
      if (webinarId === null || !object?.host_id) return;
      await applyMeetingEvent(event, webinarId, {
        unmap: true,
        map: { hostId: object.host_id, kind: 'webinar' },
      });
    },

    'webinar.deleted': async (event) => {
      const object = objectOf(isMeetingObject, event.payload.object);
      const webinarId = meetingIdOf(object);
      if (webinarId === null || (object?.occurrences && object.occurrences.length > 0)) return;
      await applyMeetingEvent(event, webinarId, { unmap: true, map: null });
    },

    // A new PMI replaces the old one's mapping; a new personal link name replaces the old name.
    'user.updated': async (event) => {
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
  };
}
