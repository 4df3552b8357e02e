// A small typed client over fetch for Hostpass's public REST API. The dashboard has no private
// endpoints: every call here is one a customer could make with curl and the same key.

import type { Static } from 'typebox';
import type { ApiKeyObject, CreatedApiKeyObject } from '../../api-keys/schemas.ts';
import type { AppLogObject, AppObject } from '../../apps/schemas.ts';
import type { BotObject } from '../../bots/schemas.ts';
import type { ConnectLinkObject } from '../../connect/schemas.ts';
import type { CredentialLogObject, CredentialObject } from '../../credentials/schemas.ts';
import type { DiagnosisAnswer } from '../../diagnosis/schemas.ts';
import type {
  CreatedEndpointObject,
  DeliveryObject,
  EndpointObject,
  SecretObject,
} from '../../events/schemas.ts';
import type { Page } from '../../http/pagination.ts';
import type { StatsObject } from '../../stats/schemas.ts';
import type { MintAnswer } from '../../tokens/schemas.ts';
import type { WebhookEventObject } from '../../webhooks/schemas.ts';

// The response types come from the routes' own schemas (type-only imports, erased from the
// bundle), so a change to the API that the dashboard does not follow fails its typecheck.
export type { Page };
export type OAuthApp = Static<typeof AppObject>;
export type AppKind = OAuthApp['kind'];
export type Credential = Static<typeof CredentialObject>;
export type SyncStatus = Credential['meeting_sync_status'];
export type LogEntry = Static<typeof AppLogObject> | Static<typeof CredentialLogObject>;
export type ApiKey = Static<typeof ApiKeyObject>;
export type CreatedApiKey = Static<typeof CreatedApiKeyObject>;
export type ConnectLink = Static<typeof ConnectLinkObject>;
export type Bot = Static<typeof BotObject>;
export type BotStatusChange = Bot['status_changes'][number];
export type MintedTokens = Static<typeof MintAnswer>;
export type MintFailure = MintedTokens['errors'][string];
export type Diagnosis = Static<typeof DiagnosisAnswer>;
export type DiagnosisCheck = Diagnosis['checks'][number];
export type WebhookEvent = Static<typeof WebhookEventObject>;
export type Stats = Static<typeof StatsObject>;
export type StatsHour = Stats['hours'][number];
export type WebhookEndpoint = Static<typeof EndpointObject>;
export type CreatedWebhookEndpoint = Static<typeof CreatedEndpointObject>;
export type WebhookSecret = Static<typeof SecretObject>;
export type WebhookDelivery = Static<typeof DeliveryObject>;

/** Meeting sync is newer than this page: its contract is kept here, extras optional. */
export interface MeetingMapping {
  meeting_id: number;
  credential: string;
  synced_at: string;
  /** Newer servers also say who hosts the meeting and how Hostpass learned of it. */
  host_user_id?: string;
  source?: 'pmi' | 'scheduled' | 'webhook' | 'lookup';
  kind?: 'meeting' | 'webinar';
}

export const paths = {
  apps: '/api/v2/zoom-oauth-apps/',
  app: (id: string) => `/api/v2/zoom-oauth-apps/${id}/`,
  appLogs: '/api/v2/zoom-oauth-app-logs/',
  webhookEvents: '/api/v2/zoom-webhook-events/',
  credentials: '/api/v2/zoom-oauth-credentials/',
  credential: (id: string) => `/api/v2/zoom-oauth-credentials/${id}/`,
  validateCredential: (id: string) => `/api/v2/zoom-oauth-credentials/${id}/validate/`,
  syncCredential: (id: string) => `/api/v2/zoom-oauth-credentials/${id}/sync-meetings/`,
  credentialLogs: '/api/v2/zoom-oauth-credential-logs/',
  connectLinks: '/api/v2/zoom-connect-links/',
  meetings: '/api/v2/zoom-meetings-to-credentials/',
  apiKeys: '/api/v2/api-keys/',
  apiKey: (id: string) => `/api/v2/api-keys/${id}/`,
  zoomTokens: '/api/v2/zoom-tokens/',
  diagnoses: '/api/v2/zoom-meeting-diagnoses/',
  bots: '/api/v1/bot/',
  bot: (id: string) => `/api/v1/bot/${id}/`,
  stats: '/api/v2/stats/',
  webhookEndpoints: '/api/v2/webhook-endpoints/',
  webhookEndpoint: (id: string) => `/api/v2/webhook-endpoints/${id}/`,
  webhookEndpointSecret: (id: string) => `/api/v2/webhook-endpoints/${id}/secret/`,
  rotateWebhookEndpointSecret: (id: string) => `/api/v2/webhook-endpoints/${id}/secret/rotate/`,
  testWebhookEndpoint: (id: string) => `/api/v2/webhook-endpoints/${id}/test/`,
  webhookDeliveries: (id: string) => `/api/v2/webhook-endpoints/${id}/deliveries/`,
  retryWebhookDelivery: (id: string) => `/api/v2/webhook-deliveries/${id}/retry/`,
};

/** A failed call, with the API's DRF-style body split into per-field messages and a summary. */
export class ApiError extends Error {
  readonly status: number;
  /** `{"client_id": ["…"]}` → `{client_id: "…"}`; nested fields are joined with dots. */
  readonly fields: Record<string, string>;

  constructor(status: number, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.fields = fields;
  }
}

function flattenFieldErrors(body: unknown, prefix = '', into: Record<string, string> = {}) {
  if (!body || typeof body !== 'object') return into;
  for (const [key, value] of Object.entries(body)) {
    const field = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) into[field] = value.map(String).join(' ');
    else if (value && typeof value === 'object') flattenFieldErrors(value, field, into);
  }
  return into;
}

/** The message a person reads when the API says no, phrased for the dashboard, not for curl. */
function describeFailure(status: number, body: unknown): ApiError {
  const detail =
    body && typeof body === 'object' && 'detail' in body && typeof body.detail === 'string'
      ? body.detail
      : null;
  if (status === 401)
    return new ApiError(
      status,
      'Hostpass did not accept this API key. It may have been deleted: sign in again with a valid key.',
    );
  if (status >= 500)
    return new ApiError(
      status,
      detail && status === 503
        ? `${detail} Try again in a moment.`
        : 'Hostpass ran into an internal error. Try again; if it keeps happening, check the server logs.',
    );
  if (status === 404 && detail === 'Not found.')
    return new ApiError(status, 'Not found: it may have been deleted, or the link is wrong.');
  if (detail) return new ApiError(status, detail);
  const fields = flattenFieldErrors(body);
  const general = fields.non_field_errors;
  delete fields.non_field_errors;
  const summary =
    general ??
    (Object.keys(fields).length > 0
      ? 'Some fields need attention.'
      : `Request failed (${status}).`);
  return new ApiError(status, summary, fields);
}

export interface ApiClient {
  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  delete(path: string): Promise<void>;
  /** Follows a page's `next` link (an absolute URL built from PUBLIC_URL) on this origin. */
  next<T>(nextUrl: string): Promise<Page<T>>;
}

export function createApiClient(apiKey: string, onUnauthorized: () => void): ApiClient {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Token ${apiKey}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'Hostpass did not answer. Check that the server is running.');
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (response.ok) return parsed as T;
    if (response.status === 401) onUnauthorized();
    throw describeFailure(response.status, parsed);
  }

  return {
    get(path, query = {}) {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries(query))
        if (value !== undefined && value !== '') search.set(name, String(value));
      const suffix = search.size > 0 ? `?${search}` : '';
      return call('GET', `${path}${suffix}`);
    },
    post: (path, body) => call('POST', path, body),
    patch: (path, body) => call('PATCH', path, body),
    delete: (path) => call('DELETE', path),
    next(nextUrl) {
      const url = new URL(nextUrl, window.location.origin);
      return call('GET', `${url.pathname}${url.search}`);
    },
  };
}

/** Checks a key before keeping it: the cheapest authenticated call. */
export async function checkApiKey(apiKey: string): Promise<void> {
  await createApiClient(apiKey, () => {}).get(paths.apiKeys, { page_size: 1 });
}
