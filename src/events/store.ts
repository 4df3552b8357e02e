import type { SealedColumn } from '../crypto/sealed-columns.ts';
import type { Queryable } from '../db/database.ts';
import {
  fetchCreatedAtPage,
  type KeysetPage,
  type KeysetWindow,
  SqlConditions,
} from '../db/keyset.ts';
import { type TableStore, tableStore } from '../db/table-store.ts';

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

/** Columns of a PendingDelivery, over `webhook_deliveries d`, `outgoing_events e`, `webhook_endpoints w`. */
const PENDING_COLUMNS = `${DELIVERY_COLUMNS.split(',')
  .map((column) => `d.${column.trim()}`)
  .join(', ')}, e.body, e.created_at AS event_created_at, to_jsonb(w) AS endpoint`;

/** The NOTIFY channel that wakes dispatchers: a delivery became due (committed). */
export const DISPATCH_CHANNEL = 'hostpass_outgoing_events';

export interface EndpointChanges {
  url?: string;
  description?: string;
  event_types?: string[] | null;
  disabled?: boolean;
}

/** The store's queries; `endpoints` and `deliveries` are the shared base's for their tables. */
const eventQueries = (
  db: Queryable,
  endpoints: TableStore<EndpointRow>,
  deliveries: TableStore<DeliveryRow>,
) => ({
  insertEndpoint: (
    row: Pick<
      EndpointRow,
      'id' | 'workspace_id' | 'url' | 'description' | 'event_types' | 'disabled' | 'secret_sealed'
    >,
  ): Promise<EndpointRow> =>
    endpoints.insert({
      id: row.id,
      workspace_id: row.workspace_id,
      url: row.url,
      description: row.description,
      event_types: row.event_types,
      disabled: row.disabled,
      secret_sealed: row.secret_sealed,
    }),

  findEndpoint: endpoints.findInWorkspace,

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
    q: Queryable = db,
  ): Promise<EndpointRow | undefined> {
    const { rows } = await q.query<EndpointRow>(
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
    const current = await endpoints.findInWorkspace(workspaceId, id);
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

  deleteEndpoint: endpoints.deleteInWorkspace,

  /** The enabled endpoints of a workspace that take events of `type`. */
  async subscribers(workspaceId: string, type: string, tx: Queryable = db): Promise<EndpointRow[]> {
    const { rows } = await tx.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints
       WHERE workspace_id = $1 AND NOT disabled AND (event_types IS NULL OR $2 = ANY(event_types))`,
      [workspaceId, type],
    );
    return rows;
  },

  /**
   * The whole outbox write of an event, in ONE statement inside the transaction of its change:
   * the subscribed endpoints, the subject's next sequence number (its row lock orders concurrent
   * events of one credential or bot), the event and a delivery per endpoint, and a NOTIFY that
   * wakes the dispatchers when (and only if) the transaction commits. Nobody subscribed: nothing
   * is written. `body` is the event's JSON without its last two characters (`}}`), so the
   * sequence number, known only here, ends `data`. Returns the deliveries' ids.
   */
  async emitEvent(
    event: {
      id: string;
      workspaceId: string;
      type: string;
      subjectId: string | null;
      /** The JSON body up to the end of `data`'s last member; `dataIsEmpty` if it has none. */
      bodyHead: string;
      dataIsEmpty: boolean;
      webhookId: string;
      /** Ids for the deliveries, in the endpoints' order (more endpoints get random ones). */
      deliveryIds: readonly string[];
    },
    tx: Queryable = db,
  ): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      `WITH subscribers AS (
         SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM webhook_endpoints
         WHERE workspace_id = $1 AND NOT disabled AND (event_types IS NULL OR $2 = ANY(event_types))
       ), sequence AS (
         INSERT INTO outgoing_event_sequences (subject_id, last_sequence)
         SELECT $3::uuid, 1 WHERE $3::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM subscribers)
         ON CONFLICT (subject_id) DO UPDATE SET last_sequence = outgoing_event_sequences.last_sequence + 1
         RETURNING last_sequence
       ), event AS (
         INSERT INTO outgoing_events (id, workspace_id, type, body)
         SELECT $4, $1, $2, $5 || COALESCE(
             (SELECT CASE WHEN $6::boolean THEN '' ELSE ',' END || '"sequence":' || last_sequence FROM sequence),
             '') || '}}'
         WHERE EXISTS (SELECT 1 FROM subscribers)
         RETURNING id
       ), deliveries AS (
         INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, event_type, webhook_id, next_attempt_at)
         SELECT COALESCE(($8::uuid[])[s.n], gen_random_uuid()), $1, s.id, e.id, $2, $7, clock_timestamp()
         FROM subscribers s CROSS JOIN event e
         RETURNING id
       )
       SELECT d.id, pg_notify('${DISPATCH_CHANNEL}', '') FROM deliveries d`,
      [
        event.workspaceId,
        event.type,
        event.subjectId,
        event.id,
        event.bodyHead,
        event.dataIsEmpty,
        event.webhookId,
        event.deliveryIds,
      ],
    );
    return rows.map((row) => row.id);
  },

  async insertEvent(
    event: { id: string; workspaceId: string; type: string; body: string },
    tx: Queryable = db,
  ): Promise<void> {
    await tx.query(
      'INSERT INTO outgoing_events (id, workspace_id, type, body) VALUES ($1, $2, $3, $4)',
      [event.id, event.workspaceId, event.type, event.body],
    );
  },

  async insertDeliveries(
    deliveries: readonly Pick<
      DeliveryRow,
      'id' | 'workspace_id' | 'endpoint_id' | 'event_id' | 'event_type' | 'webhook_id'
    >[],
    claimSeconds: number,
    tx: Queryable = db,
  ): Promise<void> {
    if (deliveries.length === 0) return;
    await tx.query(
      `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, event_type, webhook_id, next_attempt_at, claimed_until)
       SELECT *, clock_timestamp(), clock_timestamp() + make_interval(secs => $7)
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[])`,
      [
        deliveries.map((delivery) => delivery.id),
        deliveries.map((delivery) => delivery.workspace_id),
        deliveries.map((delivery) => delivery.endpoint_id),
        deliveries.map((delivery) => delivery.event_id),
        deliveries.map((delivery) => delivery.event_type),
        deliveries.map((delivery) => delivery.webhook_id),
        claimSeconds,
      ],
    );
  },

  findDelivery: deliveries.findInWorkspace,

  /** A delivery still to attempt, with its event and endpoint; undefined once settled or gone. */
  async pendingDelivery(id: string): Promise<PendingDelivery | undefined> {
    const { rows } = await db.query<PendingDelivery>(
      `SELECT ${PENDING_COLUMNS}
       FROM webhook_deliveries d
       JOIN outgoing_events e ON e.id = d.event_id
       JOIN webhook_endpoints w ON w.id = d.endpoint_id
       WHERE d.id = $1 AND d.status = 'pending'`,
      [id],
    );
    return rows[0];
  },

  /**
   * Claims up to `limit` due deliveries for `leaseSeconds` (oldest due first) with what sending
   * them needs. A claim whose lease ran out (its process died mid-attempt) is claimed again; one
   * another process is claiming right now is skipped, not waited for.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<PendingDelivery[]> {
    const { rows } = await db.query<PendingDelivery>(
      `WITH due AS (
         SELECT id FROM webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()
           AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
       )
       UPDATE webhook_deliveries d SET claimed_until = clock_timestamp() + make_interval(secs => $2)
       FROM due, outgoing_events e, webhook_endpoints w
       WHERE d.id = due.id AND e.id = d.event_id AND w.id = d.endpoint_id
       RETURNING ${PENDING_COLUMNS}`,
      [limit, leaseSeconds],
    );
    return rows;
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

  /**
   * Records one attempt, in one statement (no transaction around it: this runs once per
   * delivery, beside the API's own work): the delivery's outcome (`nextInSeconds` null settles
   * it, delivered or failed), and the endpoint's failure streak — started by a failure (an
   * earlier start kept), ended by a success; the endpoint row is written only when that changes.
   * An endpoint disabled while the attempt ran: the delivery ends failed, not waiting.
   */
  async recordAttempt(
    id: string,
    attempt: {
      attempts: number;
      status: DeliveryStatus;
      responseStatus: number | null;
      responseBody: string | null;
      durationMs: number;
      error: string | null;
      nextInSeconds: number | null;
      succeeded: boolean;
    },
  ): Promise<DeliveryRow | undefined> {
    const { rows } = await db.query<DeliveryRow>(
      `WITH outcome AS (
         SELECT w.id AS endpoint_id,
           CASE WHEN $3 = 'pending' AND w.disabled THEN 'failed' ELSE $3 END AS status
         FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
         WHERE d.id = $1
       ), recorded AS (
         UPDATE webhook_deliveries SET attempts = $2, status = outcome.status, response_status = $4,
           response_body = $5, duration_ms = $6, error = $7, last_attempt_at = clock_timestamp(),
           next_attempt_at = CASE WHEN $8::float8 IS NULL OR outcome.status <> 'pending' THEN NULL
             ELSE clock_timestamp() + make_interval(secs => $8::float8) END,
           claimed_until = NULL
         FROM outcome
         WHERE id = $1 AND webhook_deliveries.status = 'pending' AND attempts = $2 - 1
         RETURNING ${DELIVERY_COLUMNS.split(',')
           .map((column) => `webhook_deliveries.${column.trim()}`)
           .join(', ')}
       ), streak AS (
         UPDATE webhook_endpoints w
         SET failing_since = CASE WHEN $9::boolean THEN NULL ELSE clock_timestamp() END
         FROM recorded
         WHERE w.id = recorded.endpoint_id
           AND CASE WHEN $9::boolean THEN w.failing_since IS NOT NULL ELSE w.failing_since IS NULL END
       )
       SELECT * FROM recorded`,
      [
        id,
        attempt.attempts,
        attempt.status,
        attempt.responseStatus,
        attempt.responseBody,
        attempt.durationMs,
        attempt.error,
        attempt.nextInSeconds,
        attempt.succeeded,
      ],
    );
    return rows[0];
  },

  /**
   * A manual retry: pending again and due now (its attempt count goes on), unless an attempt is
   * running right now. Wakes the dispatchers.
   */
  async requeueDelivery(workspaceId: string, id: string): Promise<boolean> {
    const { rowCount } = await db.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = clock_timestamp()
       WHERE id = $1 AND workspace_id = $2
         AND (status <> 'pending' OR claimed_until IS NULL OR claimed_until < clock_timestamp())
       RETURNING pg_notify('${DISPATCH_CHANNEL}', '')`,
      [id, workspaceId],
    );
    return rowCount > 0;
  },

  /**
   * The deliveries of a disabled endpoint still waiting for an attempt end failed: re-enabling
   * resumes with new events. One being attempted right now settles itself (recordAttempt).
   */
  async failWaitingDeliveries(
    endpointId: string,
    claimed: string | null = null,
    tx: Queryable = db,
  ): Promise<number> {
    const { rowCount } = await tx.query(
      `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL,
         error = CASE WHEN error IS NULL THEN 'Not sent: the endpoint was disabled.'
           ELSE 'Not sent again: the endpoint was disabled. The last attempt: ' || error END
       WHERE endpoint_id = $1 AND status = 'pending'
         AND (claimed_until IS NULL OR claimed_until < clock_timestamp() OR id = $2)`,
      [endpointId, claimed],
    );
    return rowCount;
  },

  /** Disables an endpoint failing since before `failingSeconds` ago; true if it did. */
  async disableIfFailingFor(
    id: string,
    failingSeconds: number,
    reason: string,
    tx: Queryable = db,
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

export const eventStoreFactory = (db: Queryable) =>
  eventQueries(
    db,
    tableStore<EndpointRow>(db, { name: 'webhook_endpoints', columns: ENDPOINT_COLUMNS }),
    tableStore<DeliveryRow>(db, { name: 'webhook_deliveries', columns: DELIVERY_COLUMNS }),
  );

export type EventStore = ReturnType<typeof eventStoreFactory>;
