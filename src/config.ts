import path from 'node:path';
import { type EncryptionKey, parseEncryptionKeys } from './crypto/keyring.ts';
import { parseOrigin } from './http/origin.ts';
import { plural } from './plural.ts';
import { type CategoryRates, PRO_PLAN_RATES } from './zoom/rate-limiter.ts';

/**
 * Standard Webhooks' retry schedule: after the first attempt (immediately), retries after 5 s,
 * 5 min, 30 min, 2 h, 5 h, 10 h and 10 h. HOSTPASS_WEBHOOK_RETRY_SCHEDULE replaces it (tests
 * use a few zeros).
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

/** Everything Hostpass reads from its environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  /** Base of every URL Hostpass hands out (webhook URLs, pagination links), without a trailing slash. */
  publicUrl: string;
  /** A PostgreSQL server; null means the embedded PGlite store in `dataDir`. */
  databaseUrl: string | null;
  databasePoolSize: number;
  dataDir: string;
  /** Ordered keyring; the first key seals. Null: embedded default, a key file in `dataDir`. */
  encryptionKeys: EncryptionKey[] | null;
  bootstrapApiKey: string | null;
  adminToken: string | null;
  zoomOAuthUrl: string;
  zoomApiUrl: string;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  /** Lets access_token_callback_url point at loopback/private addresses (tests, demos). */
  allowPrivateCallbacks: boolean;
  /** How old a Zoom webhook's timestamp may be before it is refused as a replay. */
  webhookToleranceSeconds: number;
  /** Processed Zoom events older than this are deleted (unprocessed ones never are). */
  webhookEventRetentionDays: number;
  /** Retries of a Zoom event whose processing fails before it is given up (its key moves on). */
  webhookEventRetries: number;
  /** Retries of a bot launch the runtime did not accept (timeout, 5xx) before the bot is `fatal`. */
  botLaunchRetries: number;
  /** Outgoing events older than this are deleted once every delivery of them is settled. */
  eventRetentionDays: number;
  /** Seconds between an outgoing event's failed attempts (Standard Webhooks' schedule). */
  webhookRetryScheduleSeconds: number[];
  /** An endpoint whose deliveries fail this long is disabled. */
  webhookDisableAfterSeconds: number;
  /** Whether this process runs background jobs (refresh, sync); API-only processes can opt out. */
  runWorkers: boolean;
  /** Zoom's per-account rate limits Hostpass plans for (calls per second per category). */
  zoomRates: CategoryRates;
  /** The share of each budget syncs may use; the rest stays free for minting tokens. */
  syncRateShare: number;
  resyncIntervalSeconds: number;
  /** How long a sync runner's claim lasts without progress before another process resumes it. */
  syncLeaseSeconds: number;
  /** How long a mint request may wait for all of Zoom's answers. */
  mintDeadlineMs: number;
  /** Accounts asked at most when looking up a meeting no sync has seen (0: no look-ups). */
  lookupMaxAccounts: number;
  /** Who runs bots: `none` (plans only), `http` (your runtime at botRuntimeUrl), `emulator` (the demo). */
  botRunner: 'none' | 'http' | 'emulator';
  botRuntimeUrl: string | null;
  botRuntimeSecret: string | null;
  /** Zoom's 3rd party recording token path (closed beta; unconfirmed), `{meetingId}` templated. */
  thirdPartyRecordingPath: string;
  /** The built dashboard (`npm run build` writes it); missing → `/` says how to build it. */
  dashboardDir: string;
  /** Origins every Connect link's return_url must use; null: any (the apps may still restrict). */
  connectReturnOrigins: string[] | null;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/** Collects one message per bad value, so an operator fixes them all in one go. */
class ConfigReader {
  readonly problems: string[] = [];
  private readonly env: Env;
  constructor(env: Env) {
    this.env = env;
  }

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${value}").`);
      return fallback;
    }
    return parsed;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be a number from ${min} to ${max} (got "${value}").`);
      return fallback;
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}").`);
    return fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.problems.push(`${name} must be true or false (got "${value}").`);
    return fallback;
  }

  /** A comma-separated list of whole numbers (seconds), each within `max`. */
  seconds(name: string, fallback: number[], max: number): number[] {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const entries = value.split(',').map((entry) => entry.trim());
    if (entries.some((entry) => !/^\d+$/.test(entry) || Number(entry) > max)) {
      this.problems.push(
        `${name} must be a comma-separated list of whole numbers of seconds from 0 to ${max} (got "${value}").`,
      );
      return fallback;
    }
    return entries.map(Number);
  }

  /** A comma-separated list of http(s) origins (`https://app.example.com`), normalised. */
  origins(name: string): string[] | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    const entries = value.split(',').map((entry) => entry.trim());
    const origins = entries.map(parseOrigin);
    const bad = entries.filter((_, index) => origins[index] === null);
    if (bad.length > 0) {
      this.problems.push(
        `${name} must be a comma-separated list of origins such as https://app.example.com (scheme and host, no path); not an origin: ${bad.map((entry) => `"${entry}"`).join(', ')}.`,
      );
      return null;
    }
    return [...new Set(origins as string[])];
  }

  /**
   * An operator-chosen credential (admin token, bootstrap API key): long enough not to be guessed,
   * and without whitespace, which no Authorization header can carry intact. The value is never
   * echoed back.
   */
  secret(name: string): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    if (value.length < 24 || /\s/.test(value)) {
      this.problems.push(
        `${name} must be at least 24 characters long, without spaces (got ${plural(value.length, 'character')}${/\s/.test(value) ? ' with whitespace' : ''}).`,
      );
      return null;
    }
    return value;
  }

  httpUrl(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    if (!isHttpUrl(value)) {
      this.problems.push(
        `${name} must be an absolute http(s) URL without query or fragment (got "${value}").`,
      );
      return fallback;
    }
    return value.replace(/\/+$/, '');
  }
}

export function loadConfig(env: Env = process.env): Config {
  const read = new ConfigReader(env);
  const port = read.integer('PORT', 8080, 0, 65535);
  const host = read.raw('HOST') ?? '127.0.0.1';
  const publicUrl = read.httpUrl('PUBLIC_URL', `http://localhost:${port}`);

  const databaseUrl = read.raw('DATABASE_URL') ?? null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) {
    read.problems.push('DATABASE_URL must be a postgres:// or postgresql:// connection URL.');
  }

  const encryptionKeysValue = read.raw('HOSTPASS_ENCRYPTION_KEYS');
  let encryptionKeys: EncryptionKey[] | null = null;
  if (encryptionKeysValue !== undefined) {
    const parsed = parseEncryptionKeys(encryptionKeysValue);
    read.problems.push(...parsed.problems.map((problem) => `HOSTPASS_ENCRYPTION_KEYS: ${problem}`));
    encryptionKeys = parsed.keys;
  } else if (databaseUrl !== null) {
    // A generated key file only makes sense beside embedded data; a server database outlives it.
    read.problems.push(
      'HOSTPASS_ENCRYPTION_KEYS is required with DATABASE_URL (generate one with `hostpass keys generate-encryption-key`).',
    );
  }

  const adminToken = read.secret('HOSTPASS_ADMIN_TOKEN');
  const bootstrapApiKey = read.secret('HOSTPASS_BOOTSTRAP_API_KEY');

  const logLevel = read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');

  const config: Config = {
    port,
    host,
    publicUrl,
    databaseUrl,
    databasePoolSize: read.integer('DATABASE_POOL_SIZE', 10, 1, 1000),
    dataDir: path.resolve(read.raw('HOSTPASS_DATA_DIR') ?? './data'),
    encryptionKeys,
    bootstrapApiKey,
    adminToken,
    zoomOAuthUrl: read.httpUrl('ZOOM_OAUTH_URL', 'https://zoom.us'),
    zoomApiUrl: read.httpUrl('ZOOM_API_URL', 'https://api.zoom.us/v2'),
    logLevel,
    bodyLimitBytes: read.integer('HOSTPASS_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    allowPrivateCallbacks: read.boolean('HOSTPASS_ALLOW_PRIVATE_CALLBACKS', false),
    webhookToleranceSeconds: read.integer('HOSTPASS_WEBHOOK_TOLERANCE_SECONDS', 300, 1, 86_400),
    webhookEventRetentionDays: read.integer('HOSTPASS_WEBHOOK_EVENT_RETENTION_DAYS', 30, 1, 3650),
    webhookEventRetries: read.integer('HOSTPASS_WEBHOOK_EVENT_RETRIES', 8, 0, 20),
    botLaunchRetries: read.integer('HOSTPASS_BOT_LAUNCH_RETRIES', 4, 0, 10),
    eventRetentionDays: read.integer('HOSTPASS_EVENT_RETENTION_DAYS', 30, 1, 3650),
    webhookRetryScheduleSeconds: read.seconds(
      'HOSTPASS_WEBHOOK_RETRY_SCHEDULE',
      DEFAULT_RETRY_SCHEDULE_SECONDS,
      7 * 86_400,
    ),
    webhookDisableAfterSeconds: read.integer(
      'HOSTPASS_WEBHOOK_DISABLE_AFTER_SECONDS',
      5 * 86_400,
      0,
      365 * 86_400,
    ),
    runWorkers: read.boolean('HOSTPASS_WORKERS', true),
    zoomRates: {
      light: read.number('HOSTPASS_ZOOM_RATE_LIGHT', PRO_PLAN_RATES.light, 0.01, 100_000),
      medium: read.number('HOSTPASS_ZOOM_RATE_MEDIUM', PRO_PLAN_RATES.medium, 0.01, 100_000),
      heavy: read.number('HOSTPASS_ZOOM_RATE_HEAVY', PRO_PLAN_RATES.heavy, 0.01, 100_000),
    },
    syncRateShare: read.number('HOSTPASS_SYNC_RATE_SHARE', 0.8, 0.01, 1),
    resyncIntervalSeconds: read.integer(
      'HOSTPASS_RESYNC_INTERVAL_SECONDS',
      86_400,
      60,
      365 * 86_400,
    ),
    syncLeaseSeconds: read.integer('HOSTPASS_SYNC_LEASE_SECONDS', 30, 1, 3600),
    mintDeadlineMs: read.integer('HOSTPASS_MINT_DEADLINE_MS', 5000, 100, 60_000),
    lookupMaxAccounts: read.integer('HOSTPASS_LOOKUP_MAX_ACCOUNTS', 20, 0, 1000),
    botRunner: read.oneOf('HOSTPASS_BOT_RUNNER', ['none', 'http', 'emulator'] as const, 'none'),
    botRuntimeUrl: read.raw('HOSTPASS_BOT_RUNTIME_URL') ?? null,
    botRuntimeSecret: read.raw('HOSTPASS_BOT_RUNTIME_SECRET') ?? null,
    thirdPartyRecordingPath:
      read.raw('ZOOM_THIRD_PARTY_RECORDING_PATH') ??
      '/meetings/{meetingId}/jointoken/3rd_party_recording',
    dashboardDir: path.resolve(read.raw('HOSTPASS_DASHBOARD_DIR') ?? './dist/dashboard'),
    connectReturnOrigins: read.origins('HOSTPASS_CONNECT_RETURN_ORIGINS'),
  };
  if (config.botRunner === 'http' && (!config.botRuntimeUrl || !config.botRuntimeSecret)) {
    read.problems.push(
      'HOSTPASS_BOT_RUNNER=http needs HOSTPASS_BOT_RUNTIME_URL and HOSTPASS_BOT_RUNTIME_SECRET.',
    );
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash;
  } catch {
    return false;
  }
}
