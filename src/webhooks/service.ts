import { Compile } from 'typebox/compile';
import type { AppService } from '../apps/service.ts';
import { sha256Hex } from '../crypto/secrets.ts';
import type { Database, Queryable } from '../db/database.ts';
import { AuthenticationError, BadRequestError, NotFoundError } from '../errors.ts';
import {
  DEFAULT_TIMESTAMP_TOLERANCE_SECONDS,
  urlValidationResponse,
  verifyZoomWebhook,
} from '../zoom/webhook-signature.ts';
import { UrlValidationPayload, ZoomEventBody } from './schemas.ts';
import type { StoredWebhookEvent, WebhookEventStore } from './store.ts';

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
 * Called inside the transaction that stored a NEW event (never for a replay, never for
 * url_validation), so that work queued here exists exactly when the event does. Throwing rolls
 * the event back and Zoom gets a 5xx, which it retries.
 */
export type OnEventStored = (tx: Queryable, event: StoredWebhookEvent) => Promise<void>;

const isZoomEventBody = Compile(ZoomEventBody);
const isUrlValidationPayload = Compile(UrlValidationPayload);

export const webhookServiceFactory = (deps: {
  db: Database;
  appService: Pick<AppService, 'webhookSigningSecret' | 'log' | 'recordWebhookValidation'>;
  events: WebhookEventStore;
  onEventStored: OnEventStored;
  now?: () => Date;
  timestampToleranceSeconds?: number;
}) => {
  const { db, appService, events, onEventStored } = deps;
  const now = deps.now ?? (() => new Date());
  const tolerance = deps.timestampToleranceSeconds ?? DEFAULT_TIMESTAMP_TOLERANCE_SECONDS;

  return {
    /** Verifies, then answers Zoom's challenge or stores the event; throws the HTTP-mapped errors. */
    async receive(request: IncomingWebhook): Promise<WebhookOutcome> {
      const app = await appService.webhookSigningSecret(request.appId);
      if (!app) throw new NotFoundError();
      const refuse = async (message: string, error: Error): Promise<never> => {
        await appService.log({
          workspaceId: app.workspaceId,
          appId: request.appId,
          level: 'warning',
          message,
        });
        throw error;
      };

      const check = verifyZoomWebhook(app.webhookSecret, request, now().getTime(), tolerance);
      if (!check.ok) {
        return refuse(
          `Refused a webhook request: ${check.message}`,
          new AuthenticationError(check.message),
        );
      }

      const parsed = parseJson(request.body);
      if ('error' in parsed) {
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
          answer: urlValidationResponse(app.webhookSecret, body.payload.plainToken),
        };
      }

      const stored = await db.transaction(async (tx) => {
        const inserted = await events.insertIfNew(
          {
            workspaceId: app.workspaceId,
            appId: request.appId,
            event: body.event,
            eventTs: body.event_ts ?? null,
            payload: body.payload,
            // The compact form, so a relay that re-formats the JSON cannot make a retry look new.
            bodySha256: sha256Hex(JSON.stringify(body)),
          },
          tx,
        );
        if (inserted) await onEventStored(tx, inserted);
        return inserted !== undefined;
      });
      return { kind: 'event', status: stored ? 'stored' : 'already_stored' };
    },
  };
};

function parseJson(bytes: Buffer): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export type WebhookService = ReturnType<typeof webhookServiceFactory>;
