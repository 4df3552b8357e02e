import type { Static } from 'typebox';
import type { CredentialAccess, CredentialRow } from '../credentials/service.ts';
import type { Queryable } from '../db/database.ts';
import type { KeysetPage, KeysetWindow } from '../db/keyset.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { insertRunningSyncs } from './bulk-sync-store.ts';
import { MEETING_RESYNC_QUEUE, queueFirstSyncSteps, queueSyncStep } from './jobs.ts';
import type { MeetingLookup, ResolvedMeeting } from './meeting-lookup.ts';
import type { MappingObject } from './schemas.ts';
import type { MappingFilters, MappingRow, MeetingKind, MeetingsStore } from './store.ts';

export type { MeetingKind, SyncRow } from './store.ts';

/** How long a look-up at Zoom may take when the caller sets no deadline. */
const DEFAULT_LOOKUP_BUDGET_MS = 5000;

export type MappingView = Static<typeof MappingObject>;

const toView = (row: MappingRow): MappingView => ({
  id: row.id,
  meeting_id: row.meeting_id,
  credential: row.credential_id,
  host_user_id: row.host_user_id,
  source: row.source,
  kind: row.kind,
  created_at: row.created_at,
  synced_at: row.synced_at,
});

export const meetingsServiceFactory = (deps: {
  syncs: MeetingsStore;
  credentials: Pick<CredentialAccess, 'setMeetingSyncStatus'>;
  queue: JobQueue;
  lookup: MeetingLookup;
  /** Seconds between full resyncs of a healthy credential (default one day). */
  resyncIntervalSeconds: number;
}) => {
  const { syncs, credentials, queue, lookup } = deps;

  /** Starts a full sync unless one is running; with `q`, atomically with the caller's change. */
  async function requestSync(credential: CredentialRow, q: Queryable): Promise<void> {
    const started = await syncs.startSync(credential.id, q);
    if (!started) return;
    await credentials.setMeetingSyncStatus(credential.id, 'in_progress', q);
    await queueSyncStep(queue, q, started.id);
  }

  return {
    requestSync,

    /**
     * The initial syncs of credentials just created in bulk (an import), which hold no sync yet and
     * are stored as in progress already: one statement for the syncs, one for their first steps.
     */
    async startInitialSyncs(credentialIds: readonly string[], tx: Queryable): Promise<void> {
      await queueFirstSyncSteps(queue, tx, await insertRunningSyncs(credentialIds, tx));
    },

    /**
     * A full sync from the start, even if one is running: a sync begun with an earlier grant may
     * have passed pages whose data a deauthorization deleted since.
     */
    async restartSync(credential: CredentialRow, q: Queryable): Promise<void> {
      await syncs.abandonRunning(
        credential.id,
        'Restarted: the credential adopted a new grant.',
        q,
      );
      await requestSync(credential, q);
    },

    /**
     * The next periodic resync, spread over ±10% of the interval so that credentials connected
     * together do not all sync at the same moment every day.
     */
    async scheduleResync(credentialId: string, q?: Queryable): Promise<void> {
      const jitter = 0.9 + Math.random() * 0.2;
      await queue.send(
        MEETING_RESYNC_QUEUE,
        { credentialId },
        {
          ...(q && { tx: q }),
          startAfterSeconds: deps.resyncIntervalSeconds * jitter,
        },
      );
    },

    async listMappings(
      workspaceId: string,
      filters: MappingFilters,
      window: KeysetWindow & { orderColumn: 'created_at' | 'synced_at' },
    ): Promise<KeysetPage<MappingView>> {
      const page = await syncs.listMappings(workspaceId, filters, window);
      return { ...page, rows: page.rows.map(toView) };
    },

    /**
     * The grant to mint a meeting's tokens with, for every path that mints (the token API, token
     * URLs, bots, Attendee's callback): the mappings first (by the rule in the store), then, for
     * a meeting no sync has seen, a look-up at Zoom. `deadline` (epoch ms) bounds the look-up.
     */
    async resolveCredential(
      workspaceId: string,
      meetingId: number,
      deadline = Date.now() + DEFAULT_LOOKUP_BUDGET_MS,
      /** What the link says the id is (a `/w/` link: a webinar); the mapping's kind wins. */
      kindHint: MeetingKind = 'meeting',
    ): Promise<ResolvedMeeting | null> {
      return (
        (await syncs.resolveCredential(workspaceId, meetingId)) ??
        lookup.lookUp(workspaceId, meetingId, deadline, kindHint)
      );
    },

    findCredentialForUser: syncs.findCredentialForUser,

    /** A host by personal link name (`zoom.us/my/{name}`), for links that carry no meeting id. */
    findHostByVanity: syncs.findHostByVanity,
  };
};

export type MeetingsService = ReturnType<typeof meetingsServiceFactory>;
