import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import type { Static } from 'typebox';
import { CallbackFetchError, checkCallbackUrlResolved } from '../credentials/callback-fetcher.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { sealContext } from '../crypto/sealed-columns.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { KeysetPage, KeysetWindow } from '../db/keyset.ts';
import { listenForNotifications } from '../db/notifications.ts';
import { fieldError, NotFoundError } from '../errors.ts';
import { formatTimestamp } from '../http/timestamps.ts';
import { uuidv7 } from '../ids.ts';
import type { QueueDefinition } from '../jobs/queue.ts';
import type { EventType } from './catalog.ts';
import { type Dispatcher, startDispatcher } from './dispatcher.ts';
import { nextDelaySeconds } from './retry-schedule.ts';
import type {
  CreateEndpointBody,
  DeliveryObject,
  EndpointObject,
  UpdateEndpointBody,
} from './schemas.ts';
import type { EventSender, SendResult } from './sender.ts';
import {
  type DeliveryRow,
  DISPATCH_CHANNEL,
  ENDPOINT_PREVIOUS_SECRET_COLUMN,
  ENDPOINT_SECRET_COLUMN,
  type EndpointRow,
  type EventStore,
  type PendingDelivery,
} from './store.ts';

/**
 * The job queue versions before migration 028 sent each attempt through. Nothing is queued there
 * any more (the delivery rows are the work); its jobs left from an earlier version only wake the
 * dispatcher, which finds their deliveries by the rows.
 */
export const EVENT_DELIVERY_QUEUE: QueueDefinition = {
  name: 'outgoing-event-delivery',
  retryLimit: 10,
  retryDelaySeconds: 5,
  expireInSeconds: 60,
};

/**
 * How long an attempt holds its delivery: the send's timeout and recording its outcome, with a
 * wide margin. A process killed mid-attempt leaves the delivery to another after this.
 */
export const DELIVERY_LEASE_SECONDS = 60;

/**
 * Delivery ids an event brings for its endpoints (UUIDv7, in time order like every id); a
 * workspace with more endpoints subscribed gets random ids for the rest.
 */
const EXPECTED_ENDPOINTS = 4;

/** Attempts in flight per process: most of their time is waiting on receivers. */
const DISPATCH_CONCURRENCY = 16;
/**
 * How often a dispatcher looks without being woken: retries falling due (the schedule's first
 * step is 5 s), deliveries whose process died mid-attempt, a notification missed while its
 * connection was down. One indexed query per process and second.
 */
const DISPATCH_POLL_MS = 1_000;

/** How long an endpoint has to answer (Standard Webhooks' recommendation). */
export const EVENT_TIMEOUT_MS = 10_000;
/** How long a rotated-out secret keeps signing. */
export const SECRET_OVERLAP_SECONDS = 86_400;

/** The API's shapes, written once in ./schemas.ts. */
export type EndpointView = Static<typeof EndpointObject>;
export type DeliveryView = Static<typeof DeliveryObject>;
export type EndpointInput = Static<typeof CreateEndpointBody>;
export type EndpointChanges = Static<typeof UpdateEndpointBody>;

export interface EventServiceDeps {
  db: Database;
  store: EventStore;
  keyring: Keyring;
  sender: EventSender;
  allowPrivateUrls: boolean;
  retryScheduleSeconds: readonly number[];
  /** An endpoint whose deliveries have failed this long is disabled. */
  disableAfterSeconds: number;
  logger: Logger;
  now: () => number;
}

/** `whsec_` and base64 of 32 random bytes: the Standard Webhooks secret format. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function toEndpointView(row: EndpointRow): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: row.event_types,
    disabled: row.disabled,
    disabled_reason: row.disabled_reason,
    created_at: row.created_at,
  };
}

function toDeliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    endpoint: row.endpoint_id,
    event_type: row.event_type,
    webhook_id: row.webhook_id,
    attempt: row.attempts,
    status: row.status,
    response_status_code: row.response_status,
    response_body: row.response_body,
    duration_ms: row.duration_ms,
    error: row.error,
    last_attempt_at: row.last_attempt_at,
    next_attempt_at: row.status === 'pending' ? row.next_attempt_at : null,
    created_at: row.created_at,
  };
}

/** Timestamps inside an event's data in the API's format (database rows keep microseconds). */
function apiTimestamps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(apiTimestamps);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, apiTimestamps(item)]),
    );
  return typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value)
    ? formatTimestamp(value)
    : value;
}

export const eventServiceFactory = (deps: EventServiceDeps) => {
  const { db, store, keyring, sender, logger } = deps;
  let dispatcher: Dispatcher | undefined;
  const wake = () => dispatcher?.wake();

  const seal = (column: typeof ENDPOINT_SECRET_COLUMN, id: string, secret: string) =>
    keyring.seal(secret, sealContext(column, id));

  async function requireEndpoint(workspaceId: string, id: string): Promise<EndpointRow> {
    const row = await store.findEndpoint(workspaceId, id);
    if (!row) throw new NotFoundError();
    return row;
  }

  async function checkUrl(url: string): Promise<string> {
    try {
      return (await checkCallbackUrlResolved(url, deps.allowPrivateUrls)).toString();
    } catch (error) {
      if (error instanceof CallbackFetchError) throw fieldError('url', `The URL ${error.message}`);
      throw error;
    }
  }

  function checkEventTypes(types: string[] | null | undefined): void {
    if (types && new Set(types).size !== types.length)
      throw fieldError('event_types', 'Each event type may be listed once.');
  }

  /** Signatures with the current secret and, during the overlap after a rotation, the previous. */
  function signatures(endpoint: EndpointRow, webhookId: string, at: Date, body: string): string {
    const secrets = [
      keyring.open(endpoint.secret_sealed, sealContext(ENDPOINT_SECRET_COLUMN, endpoint.id)),
    ];
    if (
      endpoint.previous_secret_sealed &&
      endpoint.previous_secret_expires_at &&
      Date.parse(endpoint.previous_secret_expires_at) > deps.now()
    ) {
      secrets.push(
        keyring.open(
          endpoint.previous_secret_sealed,
          sealContext(ENDPOINT_PREVIOUS_SECRET_COLUMN, endpoint.id),
        ),
      );
    }
    return secrets.map((secret) => new Webhook(secret).sign(webhookId, at, body)).join(' ');
  }

  /**
   * Stores an event and a delivery per subscribed endpoint in `tx` — the transaction of the
   * change it reports — with one statement: committed means sent later, by a dispatcher that the
   * commit wakes (no job is queued here, so the change pays one round trip, no more).
   */
  async function emit(
    tx: Queryable,
    event: {
      workspaceId: string;
      type: EventType;
      /** The credential or bot: its events carry a monotonic `sequence`. */
      subjectId?: string;
      data: Record<string, unknown>;
    },
  ): Promise<{ eventId: string; deliveryIds: string[] }> {
    const id = uuidv7();
    // `sequence` is numbered by the statement, in the subject's row lock: it ends `data`.
    const { sequence: _numberedByTheStore, ...data } = event.data;
    const body = JSON.stringify({
      type: event.type,
      timestamp: new Date(deps.now()).toISOString(),
      data: apiTimestamps(data),
    });
    const deliveryIds = await store.emitEvent(
      {
        id,
        workspaceId: event.workspaceId,
        type: event.type,
        subjectId: event.subjectId ?? null,
        bodyHead: body.slice(0, -2),
        dataIsEmpty: Object.keys(data).length === 0,
        webhookId: `msg_${id.replaceAll('-', '')}`,
        deliveryIds: Array.from({ length: EXPECTED_ENDPOINTS }, uuidv7),
      },
      tx,
    );
    return { eventId: id, deliveryIds };
  }

  /**
   * Records an attempt's outcome and when the next is due, or disables a long-failing endpoint;
   * returns the delivery as recorded (undefined if another attempt recorded first).
   */
  async function settle(
    delivery: PendingDelivery,
    attempt: number,
    result: SendResult,
  ): Promise<DeliveryRow | undefined> {
    const next = result.ok
      ? null
      : nextDelaySeconds(deps.retryScheduleSeconds, attempt, result.retryAfterSeconds);
    const recorded = await store.recordAttempt(delivery.id, {
      attempts: attempt,
      status: result.ok ? 'delivered' : next === null ? 'failed' : 'pending',
      responseStatus: result.status,
      responseBody: result.body,
      durationMs: result.durationMs,
      error: result.error,
      nextInSeconds: next,
      succeeded: result.ok,
    });
    if (!recorded || result.ok) return recorded;
    const reason = `Disabled after failing to deliver for ${Math.round(deps.disableAfterSeconds / 3600)} hours; the last attempt: ${result.error}`;
    // Disabled, its waiting deliveries end failed with it (if this process dies in between, a
    // dispatcher that claims one finds the endpoint disabled and fails them then).
    const disabled = await db.transaction(async (tx) => {
      const row = await store.disableIfFailingFor(
        delivery.endpoint_id,
        deps.disableAfterSeconds,
        reason,
        tx,
      );
      if (row) await store.failWaitingDeliveries(row.id, null, tx);
      return row;
    });
    if (disabled) {
      logger.warn(
        // Not the URL: like callback URLs, it may carry the receiver's own secret.
        { endpointId: disabled.id, workspaceId: disabled.workspace_id },
        `webhook endpoint disabled: ${reason}`,
      );
      return (await store.findDelivery(delivery.workspace_id, delivery.id)) ?? recorded;
    }
    return recorded;
  }

  /** The next attempt of a delivery this process has claimed; the delivery as it then is. */
  async function deliver(delivery: PendingDelivery): Promise<DeliveryRow | undefined> {
    const attempt = delivery.attempts + 1;
    const endpoint = delivery.endpoint;
    if (endpoint.disabled) {
      // Re-enabling resumes with new events: what was waiting meanwhile ends failed, unsent.
      await db.transaction((tx) => store.failWaitingDeliveries(endpoint.id, delivery.id, tx));
      return store.findDelivery(delivery.workspace_id, delivery.id);
    }
    const at = new Date(deps.now());
    const headers = {
      'webhook-id': delivery.webhook_id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signatures(endpoint, delivery.webhook_id, at, delivery.body),
      'user-agent': 'Hostpass-Webhooks/1',
    };
    return settle(delivery, attempt, await sender.send(endpoint.url, headers, delivery.body));
  }

  async function requireDelivery(workspaceId: string, id: string): Promise<DeliveryRow> {
    const row = await store.findDelivery(workspaceId, id);
    if (!row) throw new NotFoundError();
    return row;
  }

  return {
    emit,
    /**
     * Sends due deliveries from this process until the returned function is called: woken by
     * the NOTIFY of each commit that wrote some (any process's), and polling for the rest.
     */
    async startDispatching(): Promise<() => Promise<void>> {
      const started = startDispatcher({
        claimDue: (limit) => store.claimDue(limit, DELIVERY_LEASE_SECONDS),
        deliver,
        concurrency: DISPATCH_CONCURRENCY,
        pollMs: DISPATCH_POLL_MS,
        logger,
      });
      dispatcher = started;
      const unlisten = await listenForNotifications(db, DISPATCH_CHANNEL, started.wake);
      return async () => {
        await unlisten();
        dispatcher = undefined;
        await started.stop();
      };
    },
    /** Look for due deliveries now. */
    wake,
    /** What the retention deletes: events past it whose deliveries are all settled. */
    retention: { deleteProcessedBefore: store.deleteProcessedBefore },

    async createEndpoint(
      workspaceId: string,
      input: EndpointInput,
    ): Promise<EndpointView & { secret: string }> {
      const url = await checkUrl(input.url);
      checkEventTypes(input.event_types);
      const id = uuidv7();
      const secret = newSecret();
      const row = await store.insertEndpoint({
        id,
        workspace_id: workspaceId,
        url,
        description: input.description ?? '',
        event_types: input.event_types ?? null,
        disabled: input.disabled ?? false,
        secret_sealed: seal(ENDPOINT_SECRET_COLUMN, id, secret),
      });
      return { ...toEndpointView(row), secret };
    },

    async getEndpoint(workspaceId: string, id: string): Promise<EndpointView> {
      return toEndpointView(await requireEndpoint(workspaceId, id));
    },

    async listEndpoints(
      workspaceId: string,
      window: KeysetWindow,
    ): Promise<KeysetPage<EndpointView>> {
      const page = await store.listEndpoints(workspaceId, window);
      return { ...page, rows: page.rows.map(toEndpointView) };
    },

    async updateEndpoint(
      workspaceId: string,
      id: string,
      changes: EndpointChanges,
    ): Promise<EndpointView> {
      await requireEndpoint(workspaceId, id);
      const url = changes.url === undefined ? undefined : await checkUrl(changes.url);
      checkEventTypes(changes.event_types);
      const row = await db.transaction(async (tx) => {
        const updated = await store.updateEndpoint(
          workspaceId,
          id,
          { ...changes, ...(url !== undefined && { url }) },
          tx,
        );
        // Disabled: what waits for it ends failed now, not pending for ever.
        if (updated?.disabled) await store.failWaitingDeliveries(updated.id, null, tx);
        return updated;
      });
      if (!row) throw new NotFoundError();
      return toEndpointView(row);
    },

    async deleteEndpoint(workspaceId: string, id: string): Promise<void> {
      if (!(await store.deleteEndpoint(workspaceId, id))) throw new NotFoundError();
    },

    async secret(workspaceId: string, id: string): Promise<{ secret: string }> {
      const row = await requireEndpoint(workspaceId, id);
      return {
        secret: keyring.open(row.secret_sealed, sealContext(ENDPOINT_SECRET_COLUMN, row.id)),
      };
    },

    /** A new secret; the previous one keeps signing (a second signature) for 24 h. */
    async rotateSecret(workspaceId: string, id: string): Promise<{ secret: string }> {
      const secret = newSecret();
      const row = await store.rotateSecret(
        workspaceId,
        id,
        (current) => ({
          secret: seal(ENDPOINT_SECRET_COLUMN, current.id, secret),
          previous: seal(
            ENDPOINT_PREVIOUS_SECRET_COLUMN,
            current.id,
            keyring.open(current.secret_sealed, sealContext(ENDPOINT_SECRET_COLUMN, current.id)),
          ),
        }),
        SECRET_OVERLAP_SECONDS,
      );
      if (!row) throw new NotFoundError();
      return { secret };
    },

    /** Sends a `webhook.test` event to this endpoint now and answers its delivery. */
    async sendTest(workspaceId: string, id: string): Promise<DeliveryView> {
      const endpoint = await requireEndpoint(workspaceId, id);
      const deliveryId = await db.transaction(async (tx) => {
        const eventId = uuidv7();
        const deliveryId = uuidv7();
        await store.insertEvent(
          {
            id: eventId,
            workspaceId,
            type: 'webhook.test',
            body: JSON.stringify({
              type: 'webhook.test',
              timestamp: new Date(deps.now()).toISOString(),
              data: apiTimestamps(toEndpointView(endpoint)),
            }),
          },
          tx,
        );
        await store.insertDeliveries(
          [
            {
              id: deliveryId,
              workspace_id: workspaceId,
              endpoint_id: endpoint.id,
              event_id: eventId,
              event_type: 'webhook.test',
              webhook_id: `msg_${eventId.replaceAll('-', '')}`,
            },
          ],
          DELIVERY_LEASE_SECONDS,
          tx,
        );
        return deliveryId;
      });
      // Attempted here (claimed by this request), so the answer shows how it went; a failure
      // retries on the schedule, through the dispatchers.
      const pending = await store.pendingDelivery(deliveryId);
      // The answer is this attempt's outcome, read before any dispatcher tries again.
      const attempted = pending && (await deliver(pending));
      if (attempted) {
        if (attempted.status === 'pending') wake();
        return toDeliveryView(attempted);
      }
      return toDeliveryView(await requireDelivery(workspaceId, deliveryId));
    },

    async listDeliveries(
      workspaceId: string,
      endpointId: string,
      window: KeysetWindow,
    ): Promise<KeysetPage<DeliveryView>> {
      await requireEndpoint(workspaceId, endpointId);
      const page = await store.listDeliveries(workspaceId, endpointId, window);
      return { ...page, rows: page.rows.map(toDeliveryView) };
    },

    /** Sends a delivery again now, whatever became of it (delivered, failed or waiting). */
    async retryDelivery(workspaceId: string, id: string): Promise<DeliveryView> {
      await requireDelivery(workspaceId, id);
      if (await store.requeueDelivery(workspaceId, id)) wake();
      return toDeliveryView(await requireDelivery(workspaceId, id));
    },
  };
};

export type EventService = ReturnType<typeof eventServiceFactory>;
