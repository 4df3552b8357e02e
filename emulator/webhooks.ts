// Event delivery to apps' event notification endpoints, as Zoom does it: compact JSON (so a
// receiver that re-serializes the parsed body verifies too), Zoom's headers and signature, a
// 3-second answer deadline, and retries 5, 20 and 60 minutes (emulator time) after a failure.
//
// Routing: an app receives an event when it has an ACTIVE grant covering the event's user —
// a user-level grant covers its own user, an account-level grant every user of its account.
// Emitting resolves only after the first attempts finished, and `runDueRetries` only after the
// due retries finished, so tests observe deliveries without waiting.

import { Agent, request } from 'undici';
import type { EmulatorClock } from './clock.ts';
import type { App, PendingRetry, WebhookDelivery } from './model.ts';
import type { EmulatorState } from './state.ts';
import { urlValidationToken, zoomSignature } from './webhook-signing.ts';

/** Delay before attempt 2, 3 and 4 (Zoom: 5 min, then 20 min later, then 60 min later). */
export const RETRY_DELAYS_MS = [5 * 60_000, 20 * 60_000, 60 * 60_000] as const;
const ANSWER_DEADLINE_MS = 3000;
const RETRY_POLL_MS = 1000;

export interface EventAudience {
  account_id: string;
  user_id: string;
}

export interface UrlValidationResult {
  ok: boolean;
  status: number | null;
  detail: string;
}

interface AttemptOutcome {
  status: number | null;
  error: string | null;
  responseBody: string;
}

export function createWebhookDispatcher(deps: {
  state: EmulatorState;
  clock: EmulatorClock;
  /** Signature timestamps compare against the RECEIVER's clock, so they follow wall time. */
  wallNowMs?: () => number;
}) {
  const { state, clock } = deps;
  const wallNowMs = deps.wallNowMs ?? Date.now;
  const agent = new Agent({ connect: { timeout: ANSWER_DEADLINE_MS } });
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | null = null;

  const track = (work: Promise<void>): Promise<void> => {
    inFlight.add(work);
    return work.finally(() => inFlight.delete(work));
  };

  const post = async (url: string, headers: Record<string, string>, body: string) => {
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: agent,
        signal: AbortSignal.timeout(ANSWER_DEADLINE_MS),
      });
      const responseBody = await response.body.text();
      return { status: response.statusCode, error: null, responseBody } satisfies AttemptOutcome;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { status: null, error: message, responseBody: '' } satisfies AttemptOutcome;
    }
  };

  const signedHeaders = (app: App, body: string, trackingId: string): Record<string, string> => {
    const timestamp = String(Math.floor(wallNowMs() / 1000));
    return {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Zoom Marketplace/1.0a',
      clientid: app.client_id,
      'x-zm-request-timestamp': timestamp,
      'x-zm-signature': zoomSignature(app.webhook_secret, timestamp, body),
      'x-zm-trackingid': trackingId,
    };
  };

  const deliver = async (
    app: App,
    url: string,
    job: Omit<PendingRetry, 'due_at_ms' | 'next_attempt' | 'app_id'>,
    attempt: number,
  ): Promise<AttemptOutcome> => {
    const headers = signedHeaders(app, job.body, job.tracking_id);
    const outcome = await post(url, headers, job.body);
    const entry: WebhookDelivery = {
      id: state.newId(),
      event_id: job.event_id,
      app_id: app.id,
      event: job.event,
      url,
      attempt,
      status: outcome.status,
      error: outcome.error,
      headers,
      body: job.body,
      at: clock.nowIso(),
    };
    state.webhookLog.push(entry);
    return outcome;
  };

  const deliverWithRetries = async (
    app: App,
    job: Omit<PendingRetry, 'due_at_ms' | 'next_attempt' | 'app_id'>,
    attempt: number,
  ): Promise<void> => {
    if (!app.event_url) return;
    const outcome = await deliver(app, app.event_url, job, attempt);
    const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const delay = RETRY_DELAYS_MS[attempt - 1];
    if (!delivered && delay !== undefined) {
      state.pendingRetries.push({
        ...job,
        app_id: app.id,
        next_attempt: attempt + 1,
        due_at_ms: clock.nowMs() + delay,
      });
    }
  };

  const appsFor = (audience: EventAudience): App[] => {
    const appIds = new Set<string>();
    for (const grant of state.grants.values()) {
      if (!grant.active) continue;
      const covers =
        grant.kind === 'account_level'
          ? grant.account_id === audience.account_id
          : grant.user_id === audience.user_id;
      if (covers) appIds.add(grant.app_id);
    }
    return [...appIds].flatMap((id) => {
      const app = state.apps.get(id);
      return app?.event_url ? [app] : [];
    });
  };

  const sendEvent = (app: App, event: string, payload: object): Promise<void> => {
    // Compact JSON in Zoom's key order: event, payload, event_ts (milliseconds).
    const body = JSON.stringify({ event, payload, event_ts: clock.nowMs() });
    const job = { event_id: state.newId(), event, body, tracking_id: state.newId() };
    return track(deliverWithRetries(app, job, 1));
  };

  const runDueRetries = async (): Promise<void> => {
    const now = clock.nowMs();
    const due = state.pendingRetries.filter((retry) => retry.due_at_ms <= now);
    if (due.length === 0) return;
    state.pendingRetries = state.pendingRetries.filter((retry) => retry.due_at_ms > now);
    due.sort((a, b) => a.due_at_ms - b.due_at_ms);
    await Promise.all(
      due.map((retry) => {
        const app = state.apps.get(retry.app_id);
        return app ? track(deliverWithRetries(app, retry, retry.next_attempt)) : undefined;
      }),
    );
  };

  return {
    /** Sends `event` to every app whose active grant covers the audience. */
    async emit(event: string, payload: object, audience: EventAudience): Promise<void> {
      await Promise.all(appsFor(audience).map((app) => sendEvent(app, event, payload)));
    },

    /** Sends `event` to one app (app_deauthorized goes to the app whose grant ended). */
    async emitToApp(app: App, event: string, payload: object): Promise<void> {
      if (app.event_url) await sendEvent(app, event, payload);
    },

    runDueRetries,

    /** Zoom's endpoint.url_validation challenge; the answer must echo the HMAC of plainToken. */
    async validateEndpoint(app: App, url: string): Promise<UrlValidationResult> {
      const plainToken = state.random.string(22);
      const body = JSON.stringify({
        payload: { plainToken },
        event_ts: clock.nowMs(),
        event: 'endpoint.url_validation',
      });
      const job = {
        event_id: state.newId(),
        event: 'endpoint.url_validation',
        body,
        tracking_id: state.newId(),
      };
      const outcome = await deliver(app, url, job, 1);
      if (outcome.status !== 200) {
        return {
          ok: false,
          status: outcome.status,
          detail: outcome.error ?? `HTTP ${outcome.status}`,
        };
      }
      const expected = urlValidationToken(app.webhook_secret, plainToken);
      try {
        const answer = JSON.parse(outcome.responseBody) as Record<string, unknown>;
        if (answer.plainToken === plainToken && answer.encryptedToken === expected) {
          return { ok: true, status: 200, detail: 'validated' };
        }
      } catch {
        // Falls through to the failure below: the answer was not JSON.
      }
      return { ok: false, status: 200, detail: 'answer did not echo plainToken/encryptedToken' };
    },

    /** Picks up retries that became due as wall time passes. */
    start(): void {
      timer = setInterval(() => void runDueRetries(), RETRY_POLL_MS);
      timer.unref();
    },

    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      await Promise.allSettled([...inFlight]);
      await agent.close();
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
