// The dashboard calls Hostpass through `hostpass/client`, the typed client generated from the
// API's own OpenAPI document: paths, query parameters, bodies and answers are the ones the server
// publishes, so a change to the API that the dashboard does not follow fails its typecheck. The
// dashboard has no private endpoints: every call is one a customer could make with the same key.

import {
  createHostpassClient,
  type HostpassClient,
  type paths,
  type ResponseBody,
} from '../../client/index.ts';

export type ApiClient = HostpassClient;

/** One item of a list endpoint's `results`. */
type Listed<Path extends keyof paths> =
  ResponseBody<Path, 'get'> extends { results: (infer Item)[] } ? Item : never;

export type OAuthApp = ResponseBody<'/api/v2/zoom-oauth-apps/{id}/', 'get'>;
export type AppKind = OAuthApp['kind'];
export type Credential = ResponseBody<'/api/v2/zoom-oauth-credentials/{id}/', 'get'>;
export type SyncStatus = Credential['meeting_sync_status'];
export type LogEntry =
  | Listed<'/api/v2/zoom-oauth-app-logs/'>
  | Listed<'/api/v2/zoom-oauth-credential-logs/'>;
export type ApiKey = Listed<'/api/v2/api-keys/'>;
export type CreatedApiKey = ResponseBody<'/api/v2/api-keys/', 'post'>;
export type ConnectLink = ResponseBody<'/api/v2/zoom-connect-links/', 'post'>;
export type MeetingMappings = ResponseBody<'/api/v2/zoom-meetings-to-credentials/', 'get'>;
export type MeetingMapping = Listed<'/api/v2/zoom-meetings-to-credentials/'>;
export type MeetingsQuery = NonNullable<
  paths['/api/v2/zoom-meetings-to-credentials/']['get']['parameters']['query']
>;
export type Bot = ResponseBody<'/api/v1/bot/{id}/', 'get'>;
export type BotStatusChange = Bot['status_changes'][number];
export type MintedTokens = ResponseBody<'/api/v2/zoom-tokens/', 'post'>;
export type MintFailure = MintedTokens['errors'][string];
export type Diagnosis = ResponseBody<'/api/v2/zoom-meeting-diagnoses/', 'post'>;
export type DiagnosisCheck = Diagnosis['checks'][number];
export type WebhookEvent = Listed<'/api/v2/zoom-webhook-events/'>;
export type Stats = ResponseBody<'/api/v2/stats/', 'get'>;
export type StatsHour = Stats['hours'][number];
export type WebhookEndpoint = ResponseBody<'/api/v2/webhook-endpoints/{id}/', 'get'>;
export type CreatedWebhookEndpoint = ResponseBody<'/api/v2/webhook-endpoints/', 'post'>;
export type WebhookDelivery = Listed<'/api/v2/webhook-endpoints/{id}/deliveries/'>;

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

/**
 * Whatever a call threw, as an ApiError a page can show: a network failure or a bug keeps only its
 * message (String(error) would show "TypeError: …" to the person).
 */
export function asApiError(failure: unknown): ApiError {
  if (failure instanceof ApiError) return failure;
  return new ApiError(0, failure instanceof Error ? failure.message : String(failure));
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

/**
 * The client for this browser session: same origin, the key as `Authorization: Token`, no cookies
 * and no HTTP cache. A 401 (the key was deleted meanwhile) ends the session wherever it happens.
 */
export function createApiClient(apiKey: string, onUnauthorized: () => void): ApiClient {
  const client = createHostpassClient({
    baseUrl: window.location.origin,
    apiKey,
    credentials: 'omit',
    cache: 'no-store',
  });
  client.use({
    onResponse({ response }) {
      if (response.status === 401) onUnauthorized();
    },
  });
  return client;
}

/** What every openapi-fetch call answers: `data` on a 2xx, `error` (the parsed body) otherwise. */
interface Answer {
  error?: unknown;
  response: Response;
}
type Success<A> = Extract<A, { data: unknown; error?: never }>;
// openapi-fetch sets `error` exactly when the response was not a 2xx.
const succeeded = <A extends Answer>(answer: A): answer is Success<A> => !('error' in answer);

/** A call's data, or an ApiError a page can show (a 2xx without a body gives `undefined`). */
export async function unwrap<A extends Answer>(call: Promise<A>): Promise<Success<A>['data']> {
  let answer: A;
  try {
    answer = await call;
  } catch {
    throw new ApiError(0, 'Hostpass did not answer. Check that the server is running.');
  }
  if (succeeded(answer)) return answer.data;
  throw describeFailure(answer.response.status, answer.error);
}

/**
 * A form's JSON body without its blank fields: a field left empty is then missing, so the API's
 * own "This field is required." shows beside it (openapi-fetch's `bodySerializer`).
 */
export const withoutBlankFields = (body: object): string =>
  JSON.stringify(Object.fromEntries(Object.entries(body).filter(([, value]) => value !== '')));

/**
 * The cursor of a page's `next` link. The link is absolute under PUBLIC_URL and repeats the
 * request's query with only the cursor replaced, so asking the same query with this cursor, on
 * this origin, is following it.
 */
export const cursorOf = (link: string): string | undefined =>
  new URL(link, window.location.origin).searchParams.get('cursor') ?? undefined;

/** Checks a key before keeping it: the cheapest authenticated call. */
export async function checkApiKey(apiKey: string): Promise<void> {
  await unwrap(
    createApiClient(apiKey, () => {}).GET('/api/v2/api-keys/', {
      params: { query: { page_size: 1 } },
    }),
  );
}
