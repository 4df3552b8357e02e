import type { Static } from 'typebox';
import type { Keyring } from '../crypto/keyring.ts';
import { sealContext } from '../crypto/sealed-columns.ts';
import { lastFour, maskSecret } from '../crypto/secrets.ts';
import { type Database, isUniqueViolation, type Queryable } from '../db/database.ts';
import type { KeysetPage, KeysetWindow } from '../db/keyset.ts';
import { fieldError, NotFoundError } from '../errors.ts';
import { parseOrigin } from '../http/origin.ts';
import { uuidv7 } from '../ids.ts';
import type { LogLevel, LogService } from '../logs/service.ts';
import type { AppLogObject, AppObject, CreateAppBody, UpdateAppBody } from './schemas.ts';
import {
  type AppFilters,
  type AppRow,
  type AppStore,
  CLIENT_SECRET_COLUMN,
  WEBHOOK_SECRET_COLUMN,
} from './store.ts';

export type { AppKind } from './store.ts';

/** The app as the API shows it: secrets masked, the webhook URL to paste into Zoom added. */
export type AppView = Static<typeof AppObject>;
export type AppLogView = Static<typeof AppLogObject>;
export type NewApp = Static<typeof CreateAppBody>;

export type AppChanges = Static<typeof UpdateAppBody>;

/** Decrypted secrets, for the code that talks to Zoom; never for responses. */
export interface AppSecrets {
  clientId: string;
  clientSecret: string;
  webhookSecret: string;
}

/** What Zoom's webhooks need of an app: its workspace and its decrypted webhook secret. */
export interface WebhookSigningSecret {
  workspaceId: string;
  webhookSecret: string;
}

/**
 * How long a decrypted webhook secret is reused for an app's webhooks, sparing every event a
 * query and a decryption. A PATCH in this process takes effect at once; one made through another
 * process is seen here within this time (sooner for the new secret: a signature that fails with a
 * cached secret is checked again with a fresh one), and so is a deleted app.
 */
export const WEBHOOK_SECRET_CACHE_MS = 30_000;

export const appServiceFactory = (deps: {
  db: Database;
  apps: AppStore;
  appLogs: LogService<'oauth_app'>;
  keyring: Keyring;
  publicUrl: string;
  /** The outgoing events, told in the transaction that records a validation. */
  onWebhookValidated: (q: Queryable, workspaceId: string, app: AppView) => Promise<void>;
  now?: () => number;
}) => {
  const { apps, appLogs, keyring, publicUrl } = deps;
  const now = deps.now ?? Date.now;
  /** Known apps only: an unknown id is not cached, so ids Zoom never sends cannot fill it. */
  const webhookSecrets = new Map<string, { value: WebhookSigningSecret; expiresAt: number }>();

  const toView = (row: AppRow): AppView => ({
    id: row.id,
    kind: row.kind,
    client_id: row.client_id,
    client_secret: maskSecret(row.client_secret_last4),
    webhook_secret: maskSecret(row.webhook_secret_last4),
    webhook_url: `${publicUrl}/api/v2/zoom-oauth-apps/${row.id}/webhook`,
    webhook_last_validation: row.webhook_last_validation,
    connect_return_origins: row.connect_return_origins,
    created_at: row.created_at,
  });

  const sealed = (column: typeof CLIENT_SECRET_COLUMN, appId: string, secret: string) => ({
    sealed: keyring.seal(secret, sealContext(column, appId)),
    last4: lastFour(secret),
  });

  const openWebhookSecret = (row: { id: string; webhook_secret_sealed: string }) =>
    keyring.open(row.webhook_secret_sealed, sealContext(WEBHOOK_SECRET_COLUMN, row.id));

  /** The list as stored: normalised origins, each once; a field error names what is not an origin. */
  function returnOrigins(list: string[] | null | undefined): string[] | null | undefined {
    if (!list) return list;
    const bad = list.filter((entry) => parseOrigin(entry) === null);
    if (bad.length > 0) {
      throw fieldError(
        'connect_return_origins',
        `Not an origin (scheme and host, such as https://app.example.com, no path): ${bad.map((entry) => `"${entry}"`).join(', ')}.`,
      );
    }
    return [...new Set(list.map((entry) => parseOrigin(entry) as string))];
  }

  async function requireApp(workspaceId: string, id: string): Promise<AppRow> {
    const row = await apps.findInWorkspace(workspaceId, id);
    if (!row) throw new NotFoundError();
    return row;
  }

  return {
    async create(workspaceId: string, input: NewApp): Promise<AppView> {
      const id = uuidv7();
      const clientSecret = sealed(CLIENT_SECRET_COLUMN, id, input.client_secret);
      const webhookSecret = sealed(WEBHOOK_SECRET_COLUMN, id, input.webhook_secret);
      const connectReturnOrigins = returnOrigins(input.connect_return_origins) ?? null;
      try {
        const row = await apps.insert({
          id,
          workspaceId,
          kind: input.kind,
          clientId: input.client_id,
          clientSecretSealed: clientSecret.sealed,
          clientSecretLast4: clientSecret.last4,
          webhookSecretSealed: webhookSecret.sealed,
          webhookSecretLast4: webhookSecret.last4,
          connectReturnOrigins,
        });
        return toView(row);
      } catch (error) {
        if (isUniqueViolation(error, 'zoom_oauth_apps_client_id_unique')) {
          throw fieldError(
            'client_id',
            'A Zoom OAuth app with this client_id already exists in this workspace.',
          );
        }
        throw error;
      }
    },

    async get(workspaceId: string, id: string): Promise<AppView> {
      return toView(await requireApp(workspaceId, id));
    },

    async list(
      workspaceId: string,
      filters: AppFilters,
      window: KeysetWindow,
    ): Promise<KeysetPage<AppView>> {
      const page = await apps.list(workspaceId, filters, window);
      return { ...page, rows: page.rows.map(toView) };
    },

    async update(workspaceId: string, id: string, changes: AppChanges): Promise<AppView> {
      const connectReturnOrigins = returnOrigins(changes.connect_return_origins);
      const row = await apps.update(workspaceId, id, {
        ...(changes.client_secret !== undefined && {
          clientSecret: sealed(CLIENT_SECRET_COLUMN, id, changes.client_secret),
        }),
        ...(changes.webhook_secret !== undefined && {
          webhookSecret: sealed(WEBHOOK_SECRET_COLUMN, id, changes.webhook_secret),
        }),
        ...(connectReturnOrigins !== undefined && { connectReturnOrigins }),
      });
      if (!row) throw new NotFoundError();
      webhookSecrets.delete(id);
      const changed = [
        changes.client_secret !== undefined && 'client secret',
        changes.webhook_secret !== undefined && 'webhook secret (Secret Token)',
        connectReturnOrigins !== undefined &&
          `Connect return origins (${connectReturnOrigins?.join(', ') ?? 'any'})`,
      ].filter(Boolean);
      if (changed.length > 0) {
        await appLogs.insert({
          workspaceId,
          subjectId: id,
          level: 'info',
          message: `Updated the ${changed.slice(0, -1).join(', ')}${changed.length > 1 ? ' and ' : ''}${changed.at(-1)}.`,
        });
      }
      return toView(row);
    },

    async delete(workspaceId: string, id: string): Promise<void> {
      webhookSecrets.delete(id);
      if (!(await apps.deleteInWorkspace(workspaceId, id))) throw new NotFoundError();
    },

    async secrets(appId: string): Promise<AppSecrets | null> {
      const row = await apps.findSecrets(appId);
      if (!row) return null;
      return {
        clientId: row.client_id,
        clientSecret: keyring.open(
          row.client_secret_sealed,
          sealContext(CLIENT_SECRET_COLUMN, row.id),
        ),
        webhookSecret: openWebhookSecret(row),
      };
    },

    /**
     * For Zoom's webhooks, which name the app but carry no API key (so no workspace). Cached for
     * WEBHOOK_SECRET_CACHE_MS; `fresh` reads the database (and refreshes the cache).
     */
    async webhookSigningSecret(
      appId: string,
      options: { fresh?: boolean } = {},
    ): Promise<WebhookSigningSecret | null> {
      const cached = webhookSecrets.get(appId);
      if (cached && !options.fresh && cached.expiresAt > now()) return cached.value;
      const row = await apps.findSecrets(appId);
      if (!row) {
        webhookSecrets.delete(appId);
        return null;
      }
      const value = { workspaceId: row.workspace_id, webhookSecret: openWebhookSecret(row) };
      webhookSecrets.set(appId, { value, expiresAt: now() + WEBHOOK_SECRET_CACHE_MS });
      return value;
    },

    /** Drops the cached webhook secret (e.g. the app turned out to be gone). */
    forgetWebhookSecret(appId: string): void {
      webhookSecrets.delete(appId);
    },

    async recordWebhookValidation(appId: string): Promise<void> {
      await deps.db.transaction(async (tx) => {
        const row = await apps.recordWebhookValidation(appId, tx);
        if (!row) throw new NotFoundError();
        await deps.onWebhookValidated(tx, row.workspace_id, toView(row));
      });
    },

    log(entry: {
      workspaceId: string;
      appId: string;
      level: LogLevel;
      message: string;
    }): Promise<void> {
      const { appId, ...rest } = entry;
      return appLogs.insert({ ...rest, subjectId: appId });
    },

    async listLogs(
      workspaceId: string,
      filters: { oauth_app?: string; created_at_after?: string; created_at_before?: string },
      window: KeysetWindow,
    ): Promise<KeysetPage<AppLogView>> {
      const { oauth_app, ...range } = filters;
      return appLogs.list(workspaceId, { ...range, subject: oauth_app }, window);
    },
  };
};

export type AppService = ReturnType<typeof appServiceFactory>;
