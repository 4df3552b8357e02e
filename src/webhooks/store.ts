import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.ts';

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
  processing_error: string | null;
}

export interface NewWebhookEvent {
  workspaceId: string;
  appId: string;
  event: string;
  eventTs: number | null;
  payload: Record<string, unknown>;
  bodySha256: string;
}

const COLUMNS =
  'id, workspace_id, oauth_app_id, event, event_ts, payload, body_sha256, received_at, processed_at, processing_error';

export const webhookEventStoreFactory = (db: Queryable) => ({
  /** The stored event, or undefined when this app already has an event with this body. */
  async insertIfNew(
    event: NewWebhookEvent,
    tx: Queryable = db,
  ): Promise<StoredWebhookEvent | undefined> {
    const { rows } = await tx.query<StoredWebhookEvent>(
      `INSERT INTO zoom_webhook_events (id, workspace_id, oauth_app_id, event, event_ts, payload, body_sha256)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
       ON CONFLICT (oauth_app_id, body_sha256) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        event.workspaceId,
        event.appId,
        event.event,
        event.eventTs,
        JSON.stringify(event.payload),
        event.bodySha256,
      ],
    );
    return rows[0];
  },

  async findById(id: string, tx: Queryable = db): Promise<StoredWebhookEvent | undefined> {
    const { rows } = await tx.query<StoredWebhookEvent>(
      `SELECT ${COLUMNS} FROM zoom_webhook_events WHERE id = $1`,
      [id],
    );
    return rows[0];
  },

  /** Oldest first: events of one Zoom object must be applied in the order Zoom sent them. */
  async listUnprocessed(
    appId?: string,
    limit = 100,
    tx: Queryable = db,
  ): Promise<StoredWebhookEvent[]> {
    // Two statements rather than `$2 IS NULL OR …`, so each can use its partial index.
    const forApp = appId === undefined ? '' : 'AND oauth_app_id = $2';
    const { rows } = await tx.query<StoredWebhookEvent>(
      `SELECT ${COLUMNS} FROM zoom_webhook_events WHERE processed_at IS NULL ${forApp}
       ORDER BY received_at, id LIMIT $1`,
      appId === undefined ? [limit] : [limit, appId],
    );
    return rows;
  },

  /** Done with the event, successfully or with `error` (which then says why, for operators). */
  async markProcessed(id: string, error?: string, tx: Queryable = db): Promise<boolean> {
    const { rowCount } = await tx.query(
      'UPDATE zoom_webhook_events SET processed_at = clock_timestamp(), processing_error = $2 WHERE id = $1',
      [id, error ?? null],
    );
    return rowCount > 0;
  },
});

export type WebhookEventStore = ReturnType<typeof webhookEventStoreFactory>;
