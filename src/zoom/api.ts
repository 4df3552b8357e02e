import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { BadGatewayError } from '../errors.ts';
import { ZoomGrantHolder } from './answers.ts';
import { parseJsonObject, type ZoomHttp } from './http.ts';

/** Zoom's REST error codes Hostpass acts on. */
export const ZOOM_CODE_INVALID_TOKEN = 124;
export const ZOOM_CODE_MISSING_SCOPES = 4711;

export class ZoomApiError extends Error {
  readonly status: number;
  readonly code: number | null;
  readonly zoomMessage: string;
  /** Seconds to wait, from a 429's Retry-After (a date for daily limits). */
  readonly retryAfterSeconds: number | null;
  constructor(
    status: number,
    code: number | null,
    zoomMessage: string,
    retryAfterSeconds: number | null,
  ) {
    super(`Zoom API HTTP ${status}${code !== null ? ` code ${code}` : ''}: ${zoomMessage}`);
    this.name = 'ZoomApiError';
    this.status = status;
    this.code = code;
    this.zoomMessage = zoomMessage;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Zoom says the access token is invalid or expired: refresh once and retry. */
  get tokenRejected(): boolean {
    return this.code === ZOOM_CODE_INVALID_TOKEN;
  }

  get transient(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

function retryAfterSeconds(header: string | string[] | undefined, now: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Zoom answered 2xx with a body Hostpass cannot use (a field missing or of the wrong type): 502
 * with `code: "zoom_bad_answer"` where it reaches a client. The message names the endpoint and
 * the fields, never their values (they may be tokens).
 */
export class ZoomBadAnswerError extends BadGatewayError {
  readonly endpoint: string;
  constructor(endpoint: string, problems: string) {
    super(`Zoom's answer to ${endpoint} was malformed (${problems}).`, {
      code: 'zoom_bad_answer',
    });
    this.name = 'ZoomBadAnswerError';
    this.endpoint = endpoint;
  }
}

/** Compiled once per schema: the checks run on every mint. */
const validators = new WeakMap<TSchema, ReturnType<typeof Compile>>();

function validatorFor(schema: TSchema) {
  let validator = validators.get(schema);
  if (!validator) {
    validator = Compile(schema);
    validators.set(schema, validator);
  }
  return validator;
}

/** The answer as the schema says, or ZoomBadAnswerError naming the endpoint and what was wrong. */
export function checkAnswer<S extends TSchema>(
  schema: S,
  endpoint: string,
  body: unknown,
): Static<S> {
  const validator = validatorFor(schema);
  if (validator.Check(body)) return body as Static<S>;
  const problems = validator
    .Errors(body)
    .slice(0, 3)
    .map((error) => `${error.instancePath || 'the body'} ${error.message}`)
    .join('; ');
  throw new ZoomBadAnswerError(endpoint, problems);
}

/** Zoom's REST API (`/v2/...`) under a configurable base. */
export function createZoomApiClient(deps: { http: ZoomHttp; apiUrl: string; now?: () => number }) {
  const { http, apiUrl } = deps;
  const now = deps.now ?? Date.now;

  /** `GET {path}`: the answer checked against `schema` (Zoom's errors: ZoomApiError). */
  async function get<S extends TSchema>(
    schema: S,
    path: string,
    accessToken: string,
    timeoutMs?: number,
    signal?: AbortSignal,
  ): Promise<Static<S>> {
    const response = await http.send({
      method: 'GET',
      url: `${apiUrl}${path}`,
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      ...(timeoutMs !== undefined && { timeoutMs }),
      ...(signal && { signal }),
    });
    const body = parseJsonObject(response.text);
    if (response.status >= 200 && response.status < 300) {
      return checkAnswer(schema, `GET ${path.split('?')[0]}`, body);
    }
    throw new ZoomApiError(
      response.status,
      typeof body?.code === 'number' ? body.code : null,
      String(body?.message ?? response.text.slice(0, 200)),
      retryAfterSeconds(response.headers['retry-after'], now()),
    );
  }

  return {
    get,
    /** The grant's holder: the user, and the account account-level grants are keyed on. */
    getMe: (accessToken: string) => get(ZoomGrantHolder, '/users/me', accessToken),
  };
}

export type ZoomApiClient = ReturnType<typeof createZoomApiClient>;
