import { request } from 'undici';
import {
  type CallbackFetchError,
  checkCallbackUrl,
  createPublicOnlyAgent,
} from '../credentials/callback-fetcher.ts';

/** How much of a receiver's answer the delivery log keeps. */
export const RESPONSE_BODY_LIMIT = 1024;

/** One attempt to POST a signed event to an endpoint. */
export interface SendResult {
  ok: boolean;
  status: number | null;
  /** The first KiB of the answer, as text. */
  body: string | null;
  durationMs: number;
  /** Why it failed, when it did not get a 2xx. */
  error: string | null;
  /** The receiver's Retry-After, in seconds from now. */
  retryAfterSeconds: number | null;
}

export interface EventSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
  close(): Promise<void>;
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, (date - nowMs) / 1000);
}

/**
 * The URL rules of callback URLs (https, public addresses after DNS — on the address actually
 * connected to, so a name re-pointed at 10.0.0.1 after registration is refused too), no
 * redirects (undici's `request` follows none), a hard timeout over connect, headers and body.
 */
export function createEventSender(options: {
  allowPrivate: boolean;
  timeoutMs: number;
  now?: () => number;
}): EventSender {
  const agent = createPublicOnlyAgent(options.allowPrivate);
  const now = options.now ?? Date.now;

  return {
    async send(rawUrl, headers, body) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const failed = (error: string, status: number | null = null): SendResult => ({
        ok: false,
        status,
        body: null,
        durationMs: elapsed(),
        error,
        retryAfterSeconds: null,
      });
      let url: URL;
      try {
        url = checkCallbackUrl(rawUrl, options.allowPrivate);
      } catch (error) {
        return failed(`The endpoint URL ${(error as CallbackFetchError).message}`);
      }
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        const response = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', ...headers },
          body,
          signal,
        });
        const text = await readPrefix(response.body, RESPONSE_BODY_LIMIT);
        const ok = response.statusCode >= 200 && response.statusCode < 300;
        const retryAfter = response.headers['retry-after'];
        return {
          ok,
          status: response.statusCode,
          body: text,
          durationMs: elapsed(),
          error: ok
            ? null
            : response.statusCode >= 300 && response.statusCode < 400
              ? `The endpoint answered with a redirect (HTTP ${response.statusCode}); redirects are not followed.`
              : `The endpoint answered HTTP ${response.statusCode}.`,
          retryAfterSeconds: parseRetryAfter(
            Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            now(),
          ),
        };
      } catch (error) {
        return failed(describeFailure(error, options.timeoutMs));
      }
    },
    close: () => agent.close(),
  };
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const { name, message, code, cause } = error as {
    name?: string;
    message?: string;
    code?: string;
    cause?: { code?: string; message?: string };
  };
  if (code === 'EHOSTPASS_PRIVATE' || cause?.code === 'EHOSTPASS_PRIVATE')
    return `The endpoint URL must not point at a private, loopback or link-local address: ${cause?.message ?? message}.`;
  if (name === 'TimeoutError' || name === 'AbortError')
    return `The endpoint did not answer within ${timeoutMs / 1000} s.`;
  return `The endpoint could not be reached: ${cause?.message ?? message ?? String(error)}.`;
}

/** The first `limit` bytes of a body as text; the rest is not waited for. */
async function readPrefix(
  body: AsyncIterable<Uint8Array> & { destroy?: () => void },
  limit: number,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy?.();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
