import type { Queryable } from '../db/database.ts';
import {
  fetchKeysetPage,
  type KeysetPage,
  type KeysetWindow,
  SqlConditions,
} from '../db/keyset.ts';
import { uuidv7, uuidv7Floor } from '../ids.ts';

/** A verified Zoom event as stored, waiting for (or done with) processing. */
export interface StoredWebhookEvent {
  id: string;
  workspace_id: string;
  oauth_app_id: string;
  /** Zoom's event name, e.g. `meeting.created`, `app_deauthorized`. */
  event: string;
  /** The body's `event_ts`, in milliseconds. */
  event_ts: number | null;
  /** The body's `payload` object. */
  payload: Record<string, unknown>;
  body_sha256: string;
  received_at: string;
  processed_at: string | null;
  /** The last failed attempt's error: while it waits for its retry, or (processed) why it failed. */
  processing_error: string | null;
  /** Processing attempts so far, failed ones included. */
  attempts: number;
}

export interface NewWebhookEvent {
  workspaceId: string;
  appId: string;
  event: string;
  eventTs: number | null;
  payload: Record<string, unknown>;
  bodySha256: string;
}

/** Where an event is in its processing: waiting (maybe for a retry), applied, or given up. */
export type WebhookEventStatus = 'pending' | 'processed' | 'failed';

const STATUS_CONDITIONS: Record<WebhookEventStatus, string> = {
  pending: 'processed_at IS NULL',
  processed: 'processed_at IS NOT NULL AND processing_error IS NULL',
  failed: 'processed_at IS NOT NULL AND processing_error IS NOT NULL',
};

export const webhookEventStatus = (event: StoredWebhookEvent): WebhookEventStatus =>
  event.processed_at === null
    ? 'pending'
    : event.processing_error === null
      ? 'processed'
      : 'failed';

const COLUMNS =
  'id, workspace_id, oauth_app_id, event, event_ts, payload, body_sha256, received_at, processed_at, processing_error, attempts';

export const webhookEventStoreFactory = (db: Queryable) => ({
  /**
   * Inserts the events in one statement, skipping any whose app already has an event with its
   * body (a duplicate within `events` too: the first one is stored) or whose app no longer
   * exists. Returns the stored events, in no particular order.
   */
  async insertMany(
    events: readonly NewWebhookEvent[],
    tx: Queryable = db,
  ): Promise<StoredWebhookEvent[]> {
    if (events.length === 0) return [];
    const ids = events.map(() => uuidv7());
    // One array parameter per column: the statement is the same whatever the batch size. WITH
    // ORDINALITY keeps the rows in the batch's order (received_at is clock_timestamp(), per row).
    // Only the id and the time come back: the rest is in `events` already, and sending the
    // payloads back would cost PostgreSQL and this process a JSON round trip per event.
    const { rows } = await tx.query<{ id: string; received_at: string }>(
      `INSERT INTO zoom_webhook_events (id, workspace_id, oauth_app_id, event, event_ts, payload, body_sha256)
       SELECT e.id, e.workspace_id, e.oauth_app_id, e.event, e.event_ts, e.payload::jsonb, e.body_sha256
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bigint[], $6::text[], $7::text[])
         WITH ORDINALITY AS e (id, workspace_id, oauth_app_id, event, event_ts, payload, body_sha256, n)
       WHERE EXISTS (SELECT 1 FROM zoom_oauth_apps a WHERE a.id = e.oauth_app_id)
       ORDER BY e.n
       ON CONFLICT (oauth_app_id, body_sha256) DO NOTHING
       RETURNING id, received_at`,
      [
        ids,
        events.map((event) => event.workspaceId),
        events.map((event) => event.appId),
        events.map((event) => event.event),
        events.map((event) => event.eventTs),
        events.map((event) => JSON.stringify(event.payload)),
        events.map((event) => event.bodySha256),
      ],
    );
    const positions = new Map(ids.map((id, index) => [id, index]));
    return rows.map(({ id, received_at }) => {
      const event = events[positions.get(id) as number] as NewWebhookEvent;
      return {
        id,
        workspace_id: event.workspaceId,
        oauth_app_id: event.appId,
        event: event.event,
        event_ts: event.eventTs,
        payload: event.payload,
        body_sha256: event.bodySha256,
        received_at,
        processed_at: null,
        processing_error: null,
        attempts: 0,
      };
    });
  },

  /** Those of `appIds` that exist. */
  async existingApps(appIds: readonly string[], tx: Queryable = db): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      'SELECT id FROM zoom_oauth_apps WHERE id = ANY($1::uuid[])',
      [[...new Set(appIds)]],
    );
    return rows.map((row) => row.id);
  },

  /** The events of `ids` that exist, in no particular order. */
  async findByIds(ids: readonly string[], tx: Queryable = db): Promise<StoredWebhookEvent[]> {
    if (ids.length === 0) return [];
    const { rows } = await tx.query<StoredWebhookEvent>(
      `SELECT ${COLUMNS} FROM zoom_webhook_events WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows;
  },

  /**
   * Deletes up to `limit` processed events received before `cutoff`; returns how many. The id
   * range (UUIDv7: time first) walks the primary key; received_at is the exact test. (Rows with
   * random v4 ids, written before ids became UUIDv7 and never in a release, mostly sort above the
   * bound and stay.)
   */
  async deleteProcessedBefore(cutoff: Date, limit: number, tx: Queryable = db): Promise<number> {
    const { rowCount } = await tx.query(
      `DELETE FROM zoom_webhook_events WHERE id IN (
         SELECT id FROM zoom_webhook_events
         WHERE id < $1 AND received_at < $2 AND processed_at IS NOT NULL
         ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)`,
      [uuidv7Floor(cutoff.getTime()), cutoff.toISOString(), limit],
    );
    return rowCount;
  },

  /** Done with the events: applied (one statement for a batch of them). */
  async markProcessed(ids: readonly string[], tx: Queryable = db): Promise<void> {
    if (ids.length === 0) return;
    await tx.query(
      `UPDATE zoom_webhook_events
       SET processed_at = clock_timestamp(), processing_error = NULL, attempts = attempts + 1
       WHERE id = ANY($1::uuid[]) AND processed_at IS NULL`,
      [ids],
    );
  },

  /** An attempt failed with `error`; the event waits for its retry. */
  async recordFailure(id: string, error: string, tx: Queryable = db): Promise<void> {
    await tx.query(
      `UPDATE zoom_webhook_events SET processing_error = $2, attempts = attempts + 1
       WHERE id = $1 AND processed_at IS NULL`,
      [id, error],
    );
  },

  /**
   * Done with the event without applying it (retry budget spent): `error` says why. `attempt`
   * counts the last attempt when one just failed. Returns the event if this call gave it up.
   */
  async markFailed(
    id: string,
    error: string,
    attempt: boolean,
    tx: Queryable = db,
  ): Promise<StoredWebhookEvent | undefined> {
    const { rows } = await tx.query<StoredWebhookEvent>(
      `UPDATE zoom_webhook_events
       SET processed_at = clock_timestamp(), processing_error = $2, attempts = attempts + $3
       WHERE id = $1 AND processed_at IS NULL RETURNING ${COLUMNS}`,
      [id, error, attempt ? 1 : 0],
    );
    return rows[0];
  },

  /** The app's events, newest first by default, optionally only those in `status`. */
  list(
    workspaceId: string,
    filters: { oauth_app?: string; status?: WebhookEventStatus },
    window: KeysetWindow,
  ): Promise<KeysetPage<StoredWebhookEvent>> {
    const where = new SqlConditions()
      .add('workspace_id = ?', workspaceId)
      .add('oauth_app_id = ?::uuid', filters.oauth_app);
    if (filters.status) where.addFixed(STATUS_CONDITIONS[filters.status]);
    return fetchKeysetPage<StoredWebhookEvent>(db, {
      select: `SELECT ${COLUMNS} FROM zoom_webhook_events`,
      conditions: where.conditions,
      params: where.params,
      orderColumn: 'received_at',
      ...window,
    });
  },
});

export type WebhookEventStore = ReturnType<typeof webhookEventStoreFactory>;
