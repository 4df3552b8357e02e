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

export interface ZoomUser {
  id: string;
  account_id: string;
  email?: string;
  display_name?: string;
  first_name?: string;
  last_name?: string;
  pmi?: number;
  vanity_url?: string;
  personal_meeting_url?: string;
  type?: number;
  status?: string;
}

/** Zoom's REST API (`/v2/...`) under a configurable base. */
export function createZoomApiClient(deps: { http: ZoomHttp; apiUrl: string; now?: () => number }) {
  const { http, apiUrl } = deps;
  const now = deps.now ?? Date.now;

  async function get<T>(path: string, accessToken: string, timeoutMs?: number): Promise<T> {
    const response = await http.send({
      method: 'GET',
      url: `${apiUrl}${path}`,
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      ...(timeoutMs !== undefined && { timeoutMs }),
    });
    const body = parseJsonObject(response.text);
    if (response.status >= 200 && response.status < 300 && body) return body as T;
    throw new ZoomApiError(
      response.status,
      typeof body?.code === 'number' ? body.code : null,
      String(body?.message ?? response.text.slice(0, 200)),
      retryAfterSeconds(response.headers['retry-after'], now()),
    );
  }

  return {
    get,
    getMe: (accessToken: string) => get<ZoomUser>('/users/me', accessToken),
  };
}

export type ZoomApiClient = ReturnType<typeof createZoomApiClient>;
