import { lookup as dnsLookup, promises as dnsPromises, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, request } from 'undici';

/**
 * Customer-managed OAuth: Hostpass GETs the customer's `access_token_callback_url` for a token.
 * That URL comes from an API client, so fetching it must not let a client reach Hostpass's own
 * network (SSRF): only https, only public addresses — checked on the address actually connected
 * to, after DNS resolution, so a name that resolves (or re-resolves) to 10.0.0.1 is refused too —
 * and no redirects.
 */
export class CallbackFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallbackFetchError';
  }
}

export interface CallbackTokenFetcher {
  fetchToken(url: string): Promise<string>;
  close(): Promise<void>;
}

const MAX_TOKEN_BYTES = 16 * 1024;

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  // NAT64, 6to4 and IPv4-compatible forms can carry a private IPv4 address inside.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['2002::', 16],
  ['::', 96],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return false;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return isPublicAddress(mapped[1]);
  return !NON_PUBLIC.check(address, 'ipv6');
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A DNS lookup that refuses every answer that is not a public address. */
function publicOnlyLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused) {
      const blocked = Object.assign(new Error(`${hostname} resolves to a non-public address`), {
        code: 'EHOSTPASS_PRIVATE',
      });
      return callback(blocked, []);
    }
    const wantsAll = (options as { all?: boolean }).all === true;
    const [first] = addresses;
    if (wantsAll) return callback(null, addresses);
    return callback(null, first?.address ?? '', first?.family);
  });
}

/**
 * An undici agent that connects to public addresses only (checked on the address connected to,
 * after DNS), unless private ones are allowed (tests, demos).
 */
export function createPublicOnlyAgent(allowPrivate: boolean): Agent {
  return new Agent({
    connect: allowPrivate ? {} : { lookup: publicOnlyLookup },
    keepAliveTimeout: 10_000,
  });
}

/** The URL rules of every URL Hostpass fetches for a client: https, no private address literal. */
export function checkCallbackUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallbackFetchError('is not a valid URL.');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    throw new CallbackFetchError('must be an https:// URL.');
  }
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(literal) && !isPublicAddress(literal)) {
    throw new CallbackFetchError(
      `must not point at a private, loopback or link-local address (${literal}).`,
    );
  }
  return url;
}

/**
 * `checkCallbackUrl` plus DNS: a name resolving to a private address is refused when the URL is
 * registered (and again on every connection, see createPublicOnlyAgent).
 */
export async function checkCallbackUrlResolved(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = checkCallbackUrl(raw, allowPrivate);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (allowPrivate || isIP(host)) return url;
  // A name that does not resolve now is no private address; every connection checks it again.
  const addresses = await dnsPromises.lookup(host, { all: true }).catch(() => []);
  const refused = addresses.find((entry) => !isPublicAddress(entry.address));
  if (refused) {
    throw new CallbackFetchError(
      `must not point at a private, loopback or link-local address (${host} resolves to ${refused.address}).`,
    );
  }
  return url;
}

export function createCallbackTokenFetcher(options: {
  allowPrivate: boolean;
  timeoutMs?: number;
}): CallbackTokenFetcher {
  const timeoutMs = options.timeoutMs ?? 5000;
  const agent = createPublicOnlyAgent(options.allowPrivate);
  const checkUrl = (raw: string) => checkCallbackUrl(raw, options.allowPrivate);

  return {
    async fetchToken(raw) {
      const url = checkUrl(raw);
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(url, {
          method: 'GET',
          dispatcher: agent,
          headers: { accept: 'text/plain' },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        if (
          (error as { code?: string }).code === 'EHOSTPASS_PRIVATE' ||
          cause?.code === 'EHOSTPASS_PRIVATE'
        ) {
          throw new CallbackFetchError(
            `must not point at a private, loopback or link-local address: ${(cause ?? (error as Error)).message}.`,
          );
        }
        // AbortSignal.timeout() rejects with a DOMException, which has no class of its own to test.
        if (
          error instanceof Error &&
          (error.name === 'TimeoutError' || error.name === 'AbortError')
        ) {
          throw new CallbackFetchError(`did not answer within ${timeoutMs / 1000} s.`);
        }
        throw new CallbackFetchError(`could not be fetched: ${(error as Error).message}.`);
      }
      let text: string | null;
      try {
        text = await readLimited(response.body, MAX_TOKEN_BYTES);
      } catch (error) {
        // A body that stalls past the deadline or a connection reset mid-answer.
        const name = (error as Error).name;
        throw new CallbackFetchError(
          name === 'TimeoutError' || name === 'AbortError'
            ? `did not answer within ${timeoutMs / 1000} s.`
            : `broke off its answer: ${(error as Error).message}.`,
        );
      }
      if (response.statusCode >= 300 && response.statusCode < 400) {
        throw new CallbackFetchError(
          `answered with a redirect (HTTP ${response.statusCode}); redirects are not followed.`,
        );
      }
      if (response.statusCode !== 200) {
        throw new CallbackFetchError(
          `answered HTTP ${response.statusCode}; it must answer 200 with the access token as plain text.`,
        );
      }
      const token = text?.trim() ?? '';
      if (!token || /\s/.test(token)) {
        throw new CallbackFetchError('must answer with the access token alone, as plain text.');
      }
      return token;
    },
    close: () => agent.close(),
  };
}

/** Reads at most `limit` bytes; null when the body is larger (then it is not a token). */
async function readLimited(
  body: AsyncIterable<Uint8Array> & { destroy?: () => void },
  limit: number,
): Promise<string | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy?.();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The `exp` of a JWT-shaped token, in epoch seconds; null for opaque tokens. */
export function jwtExpiry(token: string): number | null {
  const [, payload] = token.split('.');
  if (!payload || token.split('.').length !== 3) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const exp = (claims as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
  } catch {
    return null;
  }
}
