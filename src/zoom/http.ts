import { Agent, request } from 'undici';

/**
 * One keep-alive connection pool for every call to Zoom: the mint path must not pay a TLS
 * handshake per token. Each call still has its own deadline.
 */
export interface ZoomHttp {
  send(request: ZoomHttpRequest): Promise<ZoomHttpResponse>;
  close(): Promise<void>;
}

export interface ZoomHttpRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** Gives up before the timeout (the caller is stopping): fails as ZoomUnreachableError. */
  signal?: AbortSignal;
}

export interface ZoomHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Zoom never answered, or the connection failed: the request may or may not have taken effect. */
export class ZoomUnreachableError extends Error {
  constructor(cause: unknown) {
    super(`Zoom could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ZoomUnreachableError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createZoomHttp(options: { connections?: number } = {}): ZoomHttp {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: options.connections ?? 64 });
  return {
    async send({ method, url, headers, body, timeoutMs = DEFAULT_TIMEOUT_MS, signal }) {
      // A timer cleared when the answer is in, not AbortSignal.timeout: that one's timer stays
      // armed for the whole timeout after every call (and fires then), a cost per token minted.
      const timeout = new AbortController();
      const timer = setTimeout(
        () =>
          timeout.abort(
            new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
          ),
        timeoutMs,
      );
      try {
        const response = await request(url, {
          method,
          headers,
          body,
          dispatcher: agent,
          signal: signal ? AbortSignal.any([timeout.signal, signal]) : timeout.signal,
        });
        return {
          status: response.statusCode,
          headers: response.headers,
          text: await response.body.text(),
        };
      } catch (error) {
        throw new ZoomUnreachableError(error);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => agent.close(),
  };
}

export function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
