import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const KEY = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

describe('loadConfig', () => {
  it('has defaults for an embedded first run', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:8080',
      databaseUrl: null,
      encryptionKeys: null,
      zoomOAuthUrl: 'https://zoom.us',
      zoomApiUrl: 'https://api.zoom.us/v2',
      logLevel: 'info',
      bodyLimitBytes: 1024 * 1024,
    });
    expect(config.dataDir.endsWith('/data')).toBe(true);
  });

  it('reads every variable and strips trailing slashes from URLs', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://hostpass.example.com/',
      DATABASE_URL: 'postgres://u@db/hostpass',
      HOSTPASS_ENCRYPTION_KEYS: KEY,
      HOSTPASS_BOOTSTRAP_API_KEY: 'hp_bootstrap_0123456789abcdef',
      HOSTPASS_ADMIN_TOKEN: 'a'.repeat(24),
      ZOOM_OAUTH_URL: 'http://127.0.0.1:9090/',
      ZOOM_API_URL: 'http://127.0.0.1:9090/v2/',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      publicUrl: 'https://hostpass.example.com',
      databaseUrl: 'postgres://u@db/hostpass',
      bootstrapApiKey: 'hp_bootstrap_0123456789abcdef',
      zoomOAuthUrl: 'http://127.0.0.1:9090',
      zoomApiUrl: 'http://127.0.0.1:9090/v2',
      logLevel: 'debug',
    });
    expect(config.encryptionKeys?.map((key) => key.id)).toEqual(['k1']);
  });

  it('reports every bad value at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: '70000',
        DATABASE_URL: 'mysql://x',
        HOSTPASS_ADMIN_TOKEN: 'short',
        ZOOM_API_URL: 'ftp://x',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT must be a whole number from 0 to 65535 (got "70000").',
      'DATABASE_URL must be a postgres:// or postgresql:// connection URL.',
      'HOSTPASS_ENCRYPTION_KEYS is required with DATABASE_URL (generate one with `hostpass keys generate-encryption-key`).',
      'HOSTPASS_ADMIN_TOKEN must be at least 24 characters long, without spaces (got 5 characters).',
      'ZOOM_API_URL must be an absolute http(s) URL without query or fragment (got "ftp://x").',
    ]);
  });

  it('reads HOSTPASS_CONNECT_RETURN_ORIGINS as normalised origins and refuses anything else', () => {
    expect(loadConfig({}).connectReturnOrigins).toBeNull();
    expect(
      loadConfig({
        HOSTPASS_CONNECT_RETURN_ORIGINS:
          'https://App.example.com/, http://localhost:3000,https://app.example.com',
      }).connectReturnOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:3000']);
    let error: unknown;
    try {
      loadConfig({
        HOSTPASS_CONNECT_RETURN_ORIGINS: 'https://app.example.com/zoom,app.example.com,ftp://x',
      });
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).problems).toEqual([
      'HOSTPASS_CONNECT_RETURN_ORIGINS must be a comma-separated list of origins such as https://app.example.com (scheme and host, no path); not an origin: "https://app.example.com/zoom", "app.example.com", "ftp://x".',
    ]);
  });

  it('HOSTPASS_LOOKUP_MAX_ACCOUNTS: 20 by default, 0 turns look-ups off, junk is refused', () => {
    expect(loadConfig({}).lookupMaxAccounts).toBe(20);
    expect(loadConfig({ HOSTPASS_LOOKUP_MAX_ACCOUNTS: '0' }).lookupMaxAccounts).toBe(0);
    for (const bad of ['-1', '2.5', 'many', '1001']) {
      expect(() => loadConfig({ HOSTPASS_LOOKUP_MAX_ACCOUNTS: bad })).toThrow(
        `HOSTPASS_LOOKUP_MAX_ACCOUNTS must be a whole number from 0 to 1000 (got "${bad}").`,
      );
    }
  });

  it('outgoing events: the retry schedule, the disable delay and the retention', () => {
    const defaults = loadConfig({});
    expect(defaults.webhookRetryScheduleSeconds).toEqual([
      5, 300, 1800, 7200, 18_000, 36_000, 36_000,
    ]);
    expect(defaults.webhookDisableAfterSeconds).toBe(5 * 86_400);
    expect(defaults.eventRetentionDays).toBe(30);
    const set = loadConfig({
      HOSTPASS_WEBHOOK_RETRY_SCHEDULE: '0, 0,1',
      HOSTPASS_EVENT_RETENTION_DAYS: '7',
    });
    expect(set.webhookRetryScheduleSeconds).toEqual([0, 0, 1]);
    expect(set.eventRetentionDays).toBe(7);
    for (const bad of ['soon', '1,-2', '1,,2', '9999999']) {
      expect(() => loadConfig({ HOSTPASS_WEBHOOK_RETRY_SCHEDULE: bad })).toThrow(
        'HOSTPASS_WEBHOOK_RETRY_SCHEDULE must be a comma-separated list of whole numbers of seconds',
      );
    }
  });
});
