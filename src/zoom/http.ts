import { EventEmitter } from 'node:events';
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

/**
 * One call's timeout as undici's request signal, which may be an EventEmitter ('abort', then its
 * `reason`): lighter than an AbortController, whose EventTarget undici listens to and leaves on
 * every call.
 */
class CallTimeout extends EventEmitter {
  reason: DOMException | undefined;
  private readonly timer: NodeJS.Timeout;
  constructor(ms: number) {
    super();
    this.timer = setTimeout(() => {
      this.reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      this.emit('abort');
    }, ms);
  }
  clear(): void {
    clearTimeout(this.timer);
  }
}

export function createZoomHttp(options: { connections?: number } = {}): ZoomHttp {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: options.connections ?? 64 });
  return {
    async send({ method, url, headers, body, timeoutMs = DEFAULT_TIMEOUT_MS, signal }) {
      // Stopping callers' calls (rare) combine their signal with a timeout; the others, every
      // mint among them, get a timer cleared when the answer is in (AbortSignal.timeout's stays
      // armed for the whole timeout after every call, and fires then).
      const timeout = signal ? null : new CallTimeout(timeoutMs);
      try {
        const response = await request(url, {
          method,
          headers,
          body,
          dispatcher: agent,
          signal: signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), signal]) : timeout,
        });
        return {
          status: response.statusCode,
          headers: response.headers,
          text: await response.body.text(),
        };
      } catch (error) {
        throw new ZoomUnreachableError(error);
      } finally {
        timeout?.clear();
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
