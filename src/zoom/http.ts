import { Agent, type Dispatcher } from 'undici';

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
 * One call through undici's dispatcher, its answer collected in memory: a token call's answer is
 * a few hundred bytes, and undici's `request` would wrap it in a Readable stream, an async
 * resource and an abort listener per call (what every mint pays for). Gives up (the connection
 * aborted, so nothing is left running) on its own timer, cleared when the answer is in, or when
 * the caller's signal aborts. Settles exactly once: undici ends a dispatch with either
 * onResponseEnd or onResponseError.
 */
class ZoomCall implements Dispatcher.DispatchHandler {
  readonly answer: Promise<ZoomHttpResponse>;
  private controller: Dispatcher.DispatchController | null = null;
  private reason: Error | null = null;
  private status = 0;
  private headers: ZoomHttpResponse['headers'] = {};
  private readonly chunks: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly signal: AbortSignal | undefined;
  private resolve!: (response: ZoomHttpResponse) => void;
  private reject!: (error: unknown) => void;

  constructor(timeoutMs: number, signal: AbortSignal | undefined) {
    this.answer = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.timer = setTimeout(
      () =>
        this.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      timeoutMs,
    );
    this.signal = signal;
    if (signal?.aborted) this.abort(abortReason(signal));
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = () => {
    if (this.signal) this.abort(abortReason(this.signal));
  };

  /** Sync throws of `dispatch` (bad options) land here too. */
  fail(error: unknown): void {
    this.settle();
    this.reject(error);
  }

  /** Before undici starts the call (it waits for a connection), it fails now and is dropped then. */
  private abort(reason: Error): void {
    if (this.controller) {
      this.controller.abort(reason);
      return;
    }
    this.reason ??= reason;
    this.fail(reason);
  }

  private settle(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.reason) controller.abort(this.reason);
    else this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: ZoomHttpResponse['headers'],
  ): void {
    // 1xx answers come before the real one.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.settle();
    const text = UTF8.decode(
      this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks),
    );
    this.resolve({ status: this.status, headers: this.headers, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }
}

/** As undici's `body.text()`: UTF-8, a byte-order mark dropped. */
const UTF8 = new TextDecoder();

const abortReason = (signal: AbortSignal): Error =>
  signal.reason instanceof Error
    ? signal.reason
    : new DOMException('This operation was aborted', 'AbortError');

export function createZoomHttp(options: { connections?: number } = {}): ZoomHttp {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: options.connections ?? 64 });
  return {
    async send({ method, url, headers, body, timeoutMs = DEFAULT_TIMEOUT_MS, signal }) {
      const call = new ZoomCall(timeoutMs, signal);
      try {
        const { origin, pathname, search } = new URL(url);
        agent.dispatch({ origin, path: `${pathname}${search}`, method, headers, body }, call);
      } catch (error) {
        call.fail(error);
      }
      try {
        return await call.answer;
      } catch (error) {
        throw new ZoomUnreachableError(error);
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
