import { Compile } from 'typebox/compile';
import type { AppService } from '../apps/service.ts';
import { sha256Hex } from '../crypto/secrets.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { KeysetPage, KeysetWindow } from '../db/keyset.ts';
import { AuthenticationError, BadRequestError, errorMessage, NotFoundError } from '../errors.ts';
import { jsonNestingExceeds, MAX_JSON_DEPTH, tooDeepError } from '../http/json-body.ts';
import type { Result } from '../result.ts';
import type { StatsRecorder } from '../stats/metrics.ts';
import { redactMeetingSecrets } from '../zoom/meeting-secrets.ts';
import {
  DEFAULT_TIMESTAMP_TOLERANCE_SECONDS,
  urlValidationResponse,
  verifyZoomWebhook,
} from '../zoom/webhook-signature.ts';
import { createBatcher } from './batcher.ts';
import { createRefusalLog } from './refusal-log.ts';
import { UrlValidationPayload, type WebhookEventView, ZoomEventBody } from './schemas.ts';
import {
  type NewWebhookEvent,
  type StoredWebhookEvent,
  type WebhookEventStatus,
  type WebhookEventStore,
  webhookEventStatus,
} from './store.ts';

export interface IncomingWebhook {
  appId: string;
  signature: string | undefined;
  timestamp: string | undefined;
  /** The body bytes exactly as received: the signature covers them. */
  body: Buffer;
}

export type WebhookOutcome =
  | { kind: 'url_validation'; answer: { plainToken: string; encryptedToken: string } }
  | { kind: 'event'; status: 'stored' | 'already_stored' };

/**
 * Called inside the transaction that stored NEW events (never for a replay, never for
 * url_validation), with the events of one batch in the order they were received, so that work
 * queued here exists exactly when the events do. Throwing rolls the batch back and Zoom gets a
 * 5xx for each of its events, which it retries.
 */
export type OnEventsStored = (
  tx: Queryable,
  events: readonly StoredWebhookEvent[],
) => Promise<void>;

/** Events stored together (group commit, see batcher.ts): one transaction per batch. */
const MAX_BATCH = 200;
/**
 * Concurrent batch transactions per process. PGlite runs one transaction at a time: a second
 * batch would only take the first few waiting events and queue behind the running one, so
 * batches stay larger (and commits fewer) with one.
 */
const MAX_BATCHES_IN_FLIGHT = { postgres: 2, pglite: 1 } as const;

type InsertOutcome = 'stored' | 'already_stored' | 'unknown_app';

const identity = (appId: string, bodySha256: string) => `${appId}:${bodySha256}`;

const isZoomEventBody = Compile(ZoomEventBody);
const isUrlValidationPayload = Compile(UrlValidationPayload);

export const webhookServiceFactory = (deps: {
  db: Database;
  appService: Pick<
    AppService,
    'webhookSigningSecret' | 'forgetWebhookSecret' | 'log' | 'recordWebhookValidation'
  >;
  events: WebhookEventStore;
  onEventsStored: OnEventsStored;
  stats: StatsRecorder;
  /** Events of one key are stored one batch after another, in the order received. */
  orderingKey?: (event: NewWebhookEvent) => string | null;
  now?: () => Date;
  timestampToleranceSeconds?: number;
  /** A summary of refused requests (refusal-log.ts) could not be written; dropped if absent. */
  onRefusalSummaryError?: (error: unknown) => void;
}) => {
  const { db, appService, events, onEventsStored } = deps;
  const refusalLog = createRefusalLog({
    write: (entry) => appService.log({ ...entry, level: 'warning' }),
    onSummaryError: deps.onRefusalSummaryError ?? (() => {}),
  });
  const now = deps.now ?? (() => new Date());
  const tolerance = deps.timestampToleranceSeconds ?? DEFAULT_TIMESTAMP_TOLERANCE_SECONDS;
  // Each request is answered once the transaction holding its event has committed.
  const ingest = createBatcher<NewWebhookEvent, InsertOutcome>({
    maxBatch: MAX_BATCH,
    maxInFlight: MAX_BATCHES_IN_FLIGHT[db.engine],
    ...(deps.orderingKey && { orderKey: deps.orderingKey }),
    run: (batch) =>
      db.transaction(async (tx) => {
        const rows = new Map(
          (await events.insertMany(batch, tx)).map((row) => [
            identity(row.oauth_app_id, row.body_sha256),
            row,
          ]),
        );
        // Back to the batch's order; a body twice in the batch was stored for its first copy.
        const stored = batch.map((event) => {
          const key = identity(event.appId, event.bodySha256);
          const row = rows.get(key);
          rows.delete(key);
          return row;
        });
        const storedRows = stored.filter((row) => row !== undefined);
        if (storedRows.length > 0) await onEventsStored(tx, storedRows);
        // Not stored: a replay, unless its app is gone (deleted since its secret was read).
        const missed = batch.filter((_, index) => !stored[index]).map((event) => event.appId);
        const apps = new Set(missed.length > 0 ? await events.existingApps(missed, tx) : []);
        return batch.map((event, index) => {
          if (stored[index]) return 'stored';
          return apps.has(event.appId) ? 'already_stored' : 'unknown_app';
        });
      }),
  });

  /** A refused webhook request: counted for the Overview and logged in the app's log. */
  const recordRefusal = (workspaceId: string, appId: string, message: string) => {
    deps.stats.count(workspaceId, 'webhooks.refused');
    return refusalLog.refused({ workspaceId, appId, message });
  };

  return {
    /** Stored events with where their processing stands, newest first by default. */
    async listEvents(
      workspaceId: string,
      filters: { oauth_app?: string; status?: WebhookEventStatus },
      window: KeysetWindow,
    ): Promise<KeysetPage<WebhookEventView>> {
      const page = await events.list(workspaceId, filters, window);
      return { ...page, rows: page.rows.map(toEventView) };
    },

    /**
     * A request to a known app's endpoint refused before its body was read (too large, not JSON):
     * counted and logged like a refused signature. Nothing in it is trusted, nor stored.
     */
    async refuseUnread(appId: string, why: string): Promise<void> {
      const app = await appService.webhookSigningSecret(appId);
      if (app) await recordRefusal(app.workspaceId, appId, `Refused a webhook request: ${why}.`);
    },

    /** Verifies, then answers Zoom's challenge or stores the event; throws the HTTP-mapped errors. */
    async receive(request: IncomingWebhook): Promise<WebhookOutcome> {
      let app = await appService.webhookSigningSecret(request.appId);
      if (!app) throw new NotFoundError();
      let check = verifyZoomWebhook(app.webhookSecret, request, now().getTime(), tolerance);
      if (!check.ok) {
        // The secret may be cached from before a change made through another process.
        app = await appService.webhookSigningSecret(request.appId, { fresh: true });
        if (!app) throw new NotFoundError();
        check = verifyZoomWebhook(app.webhookSecret, request, now().getTime(), tolerance);
      }
      const { workspaceId, webhookSecret } = app;
      const refuse = async (message: string, error: Error): Promise<never> => {
        await recordRefusal(workspaceId, request.appId, message);
        throw error;
      };

      if (!check.ok) {
        return refuse(
          `Refused a webhook request: ${check.message}`,
          new AuthenticationError(check.message),
        );
      }

      const text = request.body.toString('utf8');
      if (jsonNestingExceeds(text)) {
        return refuse(
          `Refused a signed webhook request: its body nests more than ${MAX_JSON_DEPTH} levels deep.`,
          tooDeepError(),
        );
      }
      const parsed = parseJson(text);
      if (!parsed.ok) {
        return refuse(
          'Refused a signed webhook request: its body is not valid JSON.',
          new BadRequestError(`JSON parse error - ${parsed.error}`),
        );
      }
      const body = parsed.value;
      if (!isZoomEventBody.Check(body)) {
        const detail =
          'The body is not a Zoom event: it needs "event" (a string), "payload" (an object) and, if present, an integer "event_ts".';
        return refuse(`Refused a signed webhook request: ${detail}`, new BadRequestError(detail));
      }

      if (body.event === 'endpoint.url_validation') {
        if (!isUrlValidationPayload.Check(body.payload)) {
          const detail = 'endpoint.url_validation needs payload.plainToken (a string).';
          return refuse(`Refused a signed webhook request: ${detail}`, new BadRequestError(detail));
        }
        await appService.recordWebhookValidation(request.appId);
        return {
          kind: 'url_validation',
          answer: urlValidationResponse(webhookSecret, body.payload.plainToken),
        };
      }

      const outcome = await ingest.submit({
        workspaceId,
        appId: request.appId,
        event: body.event,
        eventTs: body.event_ts ?? null,
        // Stored for 30 days and never needed to map meetings: no passcode is kept.
        payload: redactMeetingSecrets(body.payload),
        // The compact form, so a relay that re-formats the JSON cannot make a retry look new.
        bodySha256: sha256Hex(JSON.stringify(body)),
      });
      if (outcome === 'unknown_app') {
        appService.forgetWebhookSecret(request.appId);
        throw new NotFoundError();
      }
      deps.stats.count(workspaceId, 'webhooks.received');
      return { kind: 'event', status: outcome };
    },
  };
};

function toEventView(row: StoredWebhookEvent): WebhookEventView {
  return {
    id: row.id,
    oauth_app: row.oauth_app_id,
    event: row.event,
    event_ts: row.event_ts,
    status: webhookEventStatus(row),
    attempts: row.attempts,
    processing_error: row.processing_error,
    processed_at: row.processed_at,
    created_at: row.received_at,
  };
}

function parseJson(text: string): Result<{ value: unknown }, { error: string }> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}

export type WebhookService = ReturnType<typeof webhookServiceFactory>;
