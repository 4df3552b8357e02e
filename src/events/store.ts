import type { SealedColumn } from '../crypto/sealed-columns.ts';
import type { Queryable } from '../db/database.ts';
import {
  fetchCreatedAtPage,
  type KeysetPage,
  type KeysetWindow,
  SqlConditions,
} from '../db/keyset.ts';

export interface EndpointRow {
  id: string;
  workspace_id: string;
  url: string;
  description: string;
  event_types: string[] | null;
  disabled: boolean;
  disabled_reason: string | null;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: string | null;
  failing_since: string | null;
  created_at: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  webhook_id: string;
  status: DeliveryStatus;
  attempts: number;
  response_status: number | null;
  response_body: string | null;
  duration_ms: number | null;
  error: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  created_at: string;
}

/** A delivery with what sending it needs: its event's body and its endpoint. */
export interface PendingDelivery extends DeliveryRow {
  body: string;
  event_created_at: string;
  endpoint: EndpointRow;
}

export const ENDPOINT_SECRET_COLUMN: SealedColumn = {
  table: 'webhook_endpoints',
  column: 'secret_sealed',
};
export const ENDPOINT_PREVIOUS_SECRET_COLUMN: SealedColumn = {
  table: 'webhook_endpoints',
  column: 'previous_secret_sealed',
};

export const ENDPOINT_SECRET_COLUMNS = [ENDPOINT_SECRET_COLUMN, ENDPOINT_PREVIOUS_SECRET_COLUMN];

const ENDPOINT_COLUMNS = `id, workspace_id, url, description, event_types, disabled, disabled_reason,
  secret_sealed, previous_secret_sealed, previous_secret_expires_at, failing_since, created_at`;
const DELIVERY_COLUMNS = `id, workspace_id, endpoint_id, event_id, event_type, webhook_id, status, attempts,
  response_status, response_body, duration_ms, error, last_attempt_at, next_attempt_at, created_at`;

export interface EndpointChanges {
  url?: string;
  description?: string;
  event_types?: string[] | null;
  disabled?: boolean;
}

export const eventStoreFactory = (db: Queryable) => ({
  async insertEndpoint(
    row: Pick<
      EndpointRow,
      'id' | 'workspace_id' | 'url' | 'description' | 'event_types' | 'disabled' | 'secret_sealed'
    >,
  ): Promise<EndpointRow> {
    const { rows } = await db.query<EndpointRow>(
      `INSERT INTO webhook_endpoints (id, workspace_id, url, description, event_types, disabled, secret_sealed)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${ENDPOINT_COLUMNS}`,
      [
        row.id,
        row.workspace_id,
        row.url,
        row.description,
        row.event_types,
        row.disabled,
        row.secret_sealed,
      ],
    );
    return rows[0] as EndpointRow;
  },

  async findEndpoint(workspaceId: string, id: string): Promise<EndpointRow | undefined> {
    const { rows } = await db.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
    return rows[0];
  },

  listEndpoints(workspaceId: string, window: KeysetWindow): Promise<KeysetPage<EndpointRow>> {
    return fetchCreatedAtPage<EndpointRow>(
      db,
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints`,
      new SqlConditions().add('workspace_id = ?', workspaceId),
      window,
    );
  },

  /** Re-enabling clears the reason and the failure streak: it starts afresh with new events. */
  async updateEndpoint(
    workspaceId: string,
    id: string,
    changes: EndpointChanges,
  ): Promise<EndpointRow | undefined> {
    const { rows } = await db.query<EndpointRow>(
      `UPDATE webhook_endpoints SET
         url = COALESCE($3, url),
         description = COALESCE($4, description),
         event_types = CASE WHEN $5::boolean THEN $6::text[] ELSE event_types END,
         disabled = COALESCE($7, disabled),
         disabled_reason = CASE WHEN $7 = false THEN NULL ELSE disabled_reason END,
         failing_since = CASE WHEN $7 = false THEN NULL ELSE failing_since END
       WHERE id = $1 AND workspace_id = $2 RETURNING ${ENDPOINT_COLUMNS}`,
      [
        id,
        workspaceId,
        changes.url ?? null,
        changes.description ?? null,
        changes.event_types !== undefined,
        changes.event_types ?? null,
        changes.disabled ?? null,
      ],
    );
    return rows[0];
  },

  async rotateSecret(
    workspaceId: string,
    id: string,
    sealed: (current: EndpointRow) => { secret: string; previous: string },
    overlapSeconds: number,
  ): Promise<EndpointRow | undefined> {
    const current = await this.findEndpoint(workspaceId, id);
    if (!current) return undefined;
    const next = sealed(current);
    const { rows } = await db.query<EndpointRow>(
      `UPDATE webhook_endpoints SET secret_sealed = $3, previous_secret_sealed = $4,
         previous_secret_expires_at = clock_timestamp() + make_interval(secs => $5)
       WHERE id = $1 AND workspace_id = $2 AND secret_sealed = $6 RETURNING ${ENDPOINT_COLUMNS}`,
      [id, workspaceId, next.secret, next.previous, overlapSeconds, current.secret_sealed],
    );
    return rows[0];
  },

  async deleteEndpoint(workspaceId: string, id: string): Promise<boolean> {
    const { rowCount } = await db.query(
      'DELETE FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2',
      [id, workspaceId],
    );
    return rowCount > 0;
  },

  /** The enabled endpoints of a workspace that take events of `type`. */
  async subscribers(tx: Queryable, workspaceId: string, type: string): Promise<EndpointRow[]> {
    const { rows } = await tx.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints
       WHERE workspace_id = $1 AND NOT disabled AND (event_types IS NULL OR $2 = ANY(event_types))`,
      [workspaceId, type],
    );
    return rows;
  },

  /** The next number of a credential's (bot's) events; the row lock orders concurrent events. */
  async nextSequence(tx: Queryable, subjectId: string): Promise<number> {
    const { rows } = await tx.query<{ last_sequence: number }>(
      `INSERT INTO outgoing_event_sequences (subject_id, last_sequence) VALUES ($1, 1)
       ON CONFLICT (subject_id) DO UPDATE SET last_sequence = outgoing_event_sequences.last_sequence + 1
       RETURNING last_sequence`,
      [subjectId],
    );
    return Number(rows[0]?.last_sequence ?? 1);
  },

  async insertEvent(
    tx: Queryable,
    event: { id: string; workspaceId: string; type: string; body: string },
  ): Promise<void> {
    await tx.query(
      'INSERT INTO outgoing_events (id, workspace_id, type, body) VALUES ($1, $2, $3, $4)',
      [event.id, event.workspaceId, event.type, event.body],
    );
  },

  async insertDeliveries(
    tx: Queryable,
    deliveries: readonly Pick<
      DeliveryRow,
      'id' | 'workspace_id' | 'endpoint_id' | 'event_id' | 'event_type' | 'webhook_id'
    >[],
  ): Promise<void> {
    if (deliveries.length === 0) return;
    await tx.query(
      `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, event_type, webhook_id, next_attempt_at)
       SELECT *, clock_timestamp() FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[])`,
      [
        deliveries.map((delivery) => delivery.id),
        deliveries.map((delivery) => delivery.workspace_id),
        deliveries.map((delivery) => delivery.endpoint_id),
        deliveries.map((delivery) => delivery.event_id),
        deliveries.map((delivery) => delivery.event_type),
        deliveries.map((delivery) => delivery.webhook_id),
      ],
    );
  },

  async findDelivery(workspaceId: string, id: string): Promise<DeliveryRow | undefined> {
    const { rows } = await db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
    return rows[0];
  },

  /** A delivery still to attempt, with its event and endpoint; undefined once settled or gone. */
  async pendingDelivery(id: string): Promise<PendingDelivery | undefined> {
    const { rows } = await db.query<
      DeliveryRow & { body: string; event_created_at: string; endpoint: EndpointRow }
    >(
      `SELECT ${DELIVERY_COLUMNS.split(',')
        .map((column) => `d.${column.trim()}`)
        .join(', ')}, e.body, e.created_at AS event_created_at, to_jsonb(w) AS endpoint
       FROM webhook_deliveries d
       JOIN outgoing_events e ON e.id = d.event_id
       JOIN webhook_endpoints w ON w.id = d.endpoint_id
       WHERE d.id = $1 AND d.status = 'pending'`,
      [id],
    );
    return rows[0];
  },

  listDeliveries(
    workspaceId: string,
    endpointId: string,
    window: KeysetWindow,
  ): Promise<KeysetPage<DeliveryRow>> {
    return fetchCreatedAtPage<DeliveryRow>(
      db,
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries`,
      new SqlConditions().add('workspace_id = ?', workspaceId).add('endpoint_id = ?', endpointId),
      window,
    );
  },

  /** Records one attempt; `nextInSeconds` null settles the delivery (delivered or failed). */
  async recordAttempt(
    tx: Queryable,
    id: string,
    attempt: {
      attempts: number;
      status: DeliveryStatus;
      responseStatus: number | null;
      responseBody: string | null;
      durationMs: number;
      error: string | null;
      nextInSeconds: number | null;
    },
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE webhook_deliveries SET attempts = $2, status = $3, response_status = $4,
         response_body = $5, duration_ms = $6, error = $7, last_attempt_at = clock_timestamp(),
         next_attempt_at = CASE WHEN $8::float8 IS NULL THEN NULL
           ELSE clock_timestamp() + make_interval(secs => $8::float8) END
       WHERE id = $1 AND status = 'pending' AND attempts = $2 - 1`,
      [
        id,
        attempt.attempts,
        attempt.status,
        attempt.responseStatus,
        attempt.responseBody,
        attempt.durationMs,
        attempt.error,
        attempt.nextInSeconds,
      ],
    );
    return rowCount > 0;
  },

  /** No more attempts (its endpoint was disabled): failed, with nothing due. */
  async giveUpDelivery(tx: Queryable, id: string): Promise<void> {
    await tx.query(
      `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL
       WHERE id = $1 AND status = 'pending'`,
      [id],
    );
  },

  /** A manual retry: pending again, attempted at once (its attempt count goes on). */
  async requeueDelivery(tx: Queryable, workspaceId: string, id: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = clock_timestamp()
       WHERE id = $1 AND workspace_id = $2 AND status <> 'pending'`,
      [id, workspaceId],
    );
    return rowCount > 0;
  },

  /** Marks when the endpoint started failing (kept if earlier); a success clears it. */
  async recordEndpointOutcome(
    tx: Queryable,
    id: string,
    succeeded: boolean,
  ): Promise<{ failing_since: string | null } | undefined> {
    const { rows } = await tx.query<{ failing_since: string | null }>(
      `UPDATE webhook_endpoints SET failing_since = CASE WHEN $2 THEN NULL
         ELSE COALESCE(failing_since, clock_timestamp()) END
       WHERE id = $1 RETURNING failing_since`,
      [id, succeeded],
    );
    return rows[0];
  },

  /** Disables an endpoint failing since before `failingSeconds` ago; true if it did. */
  async disableIfFailingFor(
    tx: Queryable,
    id: string,
    failingSeconds: number,
    reason: string,
  ): Promise<EndpointRow | undefined> {
    const { rows } = await tx.query<EndpointRow>(
      `UPDATE webhook_endpoints SET disabled = true, disabled_reason = $3
       WHERE id = $1 AND NOT disabled AND failing_since IS NOT NULL
         AND failing_since <= clock_timestamp() - make_interval(secs => $2)
       RETURNING ${ENDPOINT_COLUMNS}`,
      [id, failingSeconds, reason],
    );
    return rows[0];
  },

  /** Deletes up to `limit` events from before `cutoff` whose deliveries are all settled. */
  async deleteProcessedBefore(cutoff: Date, limit: number): Promise<number> {
    const { rowCount } = await db.query(
      `DELETE FROM outgoing_events WHERE id IN (
         SELECT e.id FROM outgoing_events e
         WHERE e.created_at < $1
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
         ORDER BY e.created_at LIMIT $2)`,
      [cutoff.toISOString(), limit],
    );
    return rowCount;
  },
});

export type EventStore = ReturnType<typeof eventStoreFactory>;
