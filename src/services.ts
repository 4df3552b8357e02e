import type { Logger } from 'pino';
import { apiKeyServiceFactory } from './api-keys/service.ts';
import { apiKeyStoreFactory } from './api-keys/store.ts';
import { appServiceFactory } from './apps/service.ts';
import { APP_SEALED_COLUMNS, appStoreFactory } from './apps/store.ts';
import { attendeeServiceFactory } from './attendee/service.ts';
import { attendeeIntegrationStoreFactory, SIGNING_SECRET_COLUMN } from './attendee/store.ts';
import { createEmulatorRunner, createHttpRunner, noRunner } from './bots/runners.ts';
import { botServiceFactory } from './bots/service.ts';
import { botStoreFactory, MEETING_URL_COLUMN, ZOOM_OPTIONS_COLUMN } from './bots/store.ts';
import type { Config } from './config.ts';
import { connectServiceFactory } from './connect/service.ts';
import { CODE_VERIFIER_COLUMN, connectLinkStoreFactory } from './connect/store.ts';
import { createCallbackTokenFetcher } from './credentials/callback-fetcher.ts';
import { createDeauthorizationHandler } from './credentials/deauthorization.ts';
import type { CredentialEvents } from './credentials/events.ts';
import { createCredentialImport } from './credentials/import.ts';
import { queueFirstRefreshes, scheduleCredentialRefresh } from './credentials/jobs.ts';
import {
  credentialAccess,
  credentialServiceFactory,
  toCredentialView,
} from './credentials/service.ts';
import { CREDENTIAL_SEALED_COLUMNS, credentialStoreFactory } from './credentials/store.ts';
import { createTokenManager } from './credentials/token-manager.ts';
import type { Keyring } from './crypto/keyring.ts';
import type { SealedColumn } from './crypto/sealed-columns.ts';
import type { Database } from './db/database.ts';
import { diagnosisServiceFactory } from './diagnosis/service.ts';
import { createEventSender } from './events/sender.ts';
import { EVENT_TIMEOUT_MS, eventServiceFactory } from './events/service.ts';
import { ENDPOINT_SECRET_COLUMNS, eventStoreFactory } from './events/store.ts';
import { hotPathStores, type WriteVersions } from './hot-path/index.ts';
import type { JobQueue } from './jobs/queue.ts';
import { logStoreFactory } from './logs/store.ts';
import { createMeetingLookup } from './meetings/meeting-lookup.ts';
import { createSyncRunner, type SyncRunnerDeps } from './meetings/runner.ts';
import { meetingsServiceFactory } from './meetings/service.ts';
import { meetingsStoreFactory } from './meetings/store.ts';
import { createSyncWebhookHandlers } from './meetings/webhook-handlers.ts';
import { createStatsService } from './stats/service.ts';
import { createMinter } from './tokens/minter.ts';
import { tokenServiceFactory } from './tokens/service.ts';
import { tokenUrlServiceFactory } from './tokens/token-url-service.ts';
import { tokenUrlStoreFactory } from './tokens/token-url-store.ts';
import { objectOrderingKey, orderingKey } from './webhooks/ordering-key.ts';
import { createWebhookProcessor, WEBHOOK_EVENT_QUEUE } from './webhooks/processor.ts';
import { createWebhookRetention } from './webhooks/retention.ts';
import { webhookServiceFactory } from './webhooks/service.ts';
import { webhookEventStoreFactory } from './webhooks/store.ts';
import { workspaceServiceFactory } from './workspaces/service.ts';
import { workspaceStoreFactory } from './workspaces/store.ts';
import { createZoomApiClient } from './zoom/api.ts';
import { createZoomHttp } from './zoom/http.ts';
import { createZoomOAuthClient } from './zoom/oauth.ts';
import { createRateLimiter } from './zoom/rate-limiter.ts';

/** Every column that holds sealed values, for key rotation and key-usage checks. */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  ...APP_SEALED_COLUMNS,
  ...CREDENTIAL_SEALED_COLUMNS,
  CODE_VERIFIER_COLUMN,
  ZOOM_OPTIONS_COLUMN,
  MEETING_URL_COLUMN,
  SIGNING_SECRET_COLUMN,
  ...ENDPOINT_SECRET_COLUMNS,
];

export interface ServiceDeps {
  db: Database;
  keyring: Keyring;
  config: Config;
  queue: JobQueue;
  logger: Logger;
  now?: () => number;
  /**
   * Every write to the store, as this process sees or hears of it (watchWrites, listenForWrites):
   * the API key, token URL and meeting look-ups are answered from memory while none happened.
   */
  writes: WriteVersions;
}

/** The composition root: every service built once with its dependencies. */
export function createServices(deps: ServiceDeps) {
  const { db, keyring, config, queue, logger } = deps;
  const now = deps.now ?? Date.now;
  const hot = hotPathStores(deps.writes);
  const workspaces = workspaceStoreFactory(db);
  const apiKeys = hot.apiKeys(apiKeyStoreFactory(db));
  const apiKeyService = apiKeyServiceFactory({ db, apiKeys });
  const workspaceService = workspaceServiceFactory({ db, workspaces, apiKeyService });
  // Outgoing events first: every feature tells them its changes inside its own transactions.
  const eventSender = createEventSender({
    allowPrivate: config.allowPrivateCallbacks,
    timeoutMs: EVENT_TIMEOUT_MS,
  });
  const eventService = eventServiceFactory({
    db,
    store: eventStoreFactory(db),
    keyring,
    sender: eventSender,
    allowPrivateUrls: config.allowPrivateCallbacks,
    retryScheduleSeconds: config.webhookRetryScheduleSeconds,
    disableAfterSeconds: config.webhookDisableAfterSeconds,
    logger,
    now,
  });
  const appService = appServiceFactory({
    db,
    apps: appStoreFactory(db),
    appLogs: logStoreFactory(db, {
      name: 'zoom_oauth_app_logs',
      subjectColumn: 'oauth_app_id',
      subjectField: 'oauth_app',
    }),
    keyring,
    publicUrl: config.publicUrl,
    onWebhookValidated: async (tx, workspaceId, app) => {
      await eventService.emit(tx, { workspaceId, type: 'app.webhook_validated', data: { ...app } });
    },
  });

  const zoomHttp = createZoomHttp();
  const oauth = createZoomOAuthClient({ http: zoomHttp, oauthUrl: config.zoomOAuthUrl });
  const api = createZoomApiClient({ http: zoomHttp, apiUrl: config.zoomApiUrl, now });
  const callbackFetcher = createCallbackTokenFetcher({
    allowPrivate: config.allowPrivateCallbacks,
  });
  // The Overview's counters; the fleet's health comes from the credential service (built below).
  const statsService = createStatsService({
    db,
    credentials: {
      fleetHealth: (...args) => credentialService.fleetHealth(...args),
      compactFleetCounts: () => credentialService.compactFleetCounts(),
    },
    now,
    logger,
  });
  const stats = statsService.recorder;
  const credentials = credentialStoreFactory(db);
  const credentialLogs = logStoreFactory(db, {
    name: 'zoom_oauth_credential_logs',
    subjectColumn: 'credential_id',
    subjectField: 'credential',
  });
  const scheduleRefresh = scheduleCredentialRefresh(queue);
  /** A credential's change as an event: the credential as the API shows it, plus what changed. */
  const credentialEvents: CredentialEvents = async (tx, type, credentialId, extra = {}) => {
    // The credential's row lock is taken before its sequence row's, in every transaction that
    // emits, so a delete (event first, then the row) cannot deadlock with a sync that finishes.
    const row = await credentials.lock(credentialId, tx);
    if (!row) return;
    await eventService.emit(tx, {
      workspaceId: row.workspace_id,
      type,
      subjectId: row.id,
      data: { ...toCredentialView(row), ...extra },
    });
  };
  const tokenManager = createTokenManager({
    db,
    credentials,
    keyring,
    oauth,
    appSecrets: (appId) => appService.secrets(appId),
    callbackFetcher,
    log: (q, row, level, message) =>
      credentialLogs.insert(
        { workspaceId: row.workspace_id, subjectId: row.id, level, message },
        q,
      ),
    scheduleRefresh,
    events: credentialEvents,
    stats,
    now,
    logger,
  });
  const syncs = hot.syncs(meetingsStoreFactory(db));
  // The meetings feature reaches credentials through this narrow port, never the whole store.
  const meetingCredentials = credentialAccess(credentials);
  const meetingsService = meetingsServiceFactory({
    syncs,
    credentials: meetingCredentials,
    queue,
    // Minting's side of each account's budget: the calls syncs leave free (their share is capped).
    lookup: createMeetingLookup({
      db,
      credentials: meetingCredentials,
      syncs,
      tokenManager,
      api,
      limiter: createRateLimiter({ db, rates: config.zoomRates, share: 1 }),
      maxAccounts: config.lookupMaxAccounts,
      logger,
      now,
    }),
    resyncIntervalSeconds: config.resyncIntervalSeconds,
  });
  const credentialImport = createCredentialImport({
    db,
    appService,
    tokenManager,
    queueRefreshes: queueFirstRefreshes(queue),
    startSyncs: (ids, tx) => meetingsService.startInitialSyncs(ids, tx),
  });
  const credentialService = credentialServiceFactory({
    db,
    credentials,
    credentialLogs,
    appService,
    tokenManager,
    oauth,
    api,
    callbackFetcher,
    keyring,
    // The first refresh and the initial meeting sync are queued with the credential itself.
    onCreated: async (tx, credential) => {
      await tokenManager.scheduleNextRefresh(tx, credential);
      await meetingsService.requestSync(credential, tx);
      await credentialEvents(tx, 'credential.created', credential.id);
    },
    requestSync: (credential) =>
      db.transaction((tx) => meetingsService.requestSync(credential, tx)),
    onReauthorized: async (tx, credential) => {
      await meetingsService.restartSync(credential, tx);
      await credentialEvents(tx, 'credential.reauthorized', credential.id);
    },
    events: credentialEvents,
    now,
    logger,
  });

  const connectService = connectServiceFactory({
    links: connectLinkStoreFactory(db),
    appService,
    credentialService,
    keyring,
    publicUrl: config.publicUrl,
    zoomOAuthUrl: config.zoomOAuthUrl,
    returnOrigins: config.connectReturnOrigins,
    now,
  });

  const webhookEvents = webhookEventStoreFactory(db);
  const webhookService = webhookServiceFactory({
    db,
    appService,
    events: webhookEvents,
    stats,
    onRefusalSummaryError: (error) =>
      logger.error({ err: error }, 'could not write the summary of refused webhook requests'),
    // The jobs are queued in the transaction that stores the events: stored means applied later.
    onEventsStored: (tx, events) =>
      queue.sendMany(
        WEBHOOK_EVENT_QUEUE,
        events.map((event) => ({ data: { eventId: event.id }, singletonKey: orderingKey(event) })),
        { tx },
      ),
    // One meeting's (one user's) events are stored in separate transactions, in the order
    // received, so their jobs (queued in that order) apply them in that order.
    orderingKey: (event) =>
      objectOrderingKey({ event: event.event, oauth_app_id: event.appId, payload: event.payload }),
    timestampToleranceSeconds: config.webhookToleranceSeconds,
  });
  const webhookProcessor = createWebhookProcessor({
    events: webhookEvents,
    handlers: {
      app_deauthorized: {
        one: createDeauthorizationHandler({
          db,
          credentials,
          credentialLogs,
          purgeMeetingData: (tx, credentialId) => syncs.purge(credentialId, tx),
          grantWorks: (credential) => credentialService.grantWorks(credential),
          events: credentialEvents,
          stats,
        }),
      },
      ...createSyncWebhookHandlers({ db, syncs, credentials: meetingCredentials }),
    },
    appLog: (entry) => appService.log(entry),
    logger,
  });

  const syncRunnerDeps: SyncRunnerDeps = {
    db,
    syncs,
    credentials: meetingCredentials,
    tokenManager,
    api,
    limiter: createRateLimiter({ db, rates: config.zoomRates, share: config.syncRateShare }),
    log: (credential, level, message) =>
      credentialLogs.insert({
        workspaceId: credential.workspace_id,
        subjectId: credential.id,
        level,
        message,
      }),
    leaseSeconds: config.syncLeaseSeconds,
    stepBudgetMs: Math.min(10_000, (config.syncLeaseSeconds * 1000) / 2),
    // Enough listings in flight to fill a quarter second of the budget (Pro: 4; 200/s: 32).
    hostConcurrency: Math.max(
      1,
      Math.min(32, Math.ceil(config.zoomRates.medium * config.syncRateShare * 0.25)),
    ),
    logger,
    onCompleted: (credentialId) => meetingsService.scheduleResync(credentialId),
    events: credentialEvents,
  };
  const syncRunner = createSyncRunner(syncRunnerDeps);

  /** The periodic resync: only a credential that is still healthy syncs again. */
  const resync = async (credentialId: string) => {
    const credential = await credentials.findById(credentialId);
    if (credential?.status === 'healthy') await credentialService.requestSyncOf(credential);
  };

  const minter = createMinter({
    api,
    tokenManager,
    thirdPartyRecordingPath: config.thirdPartyRecordingPath,
    stats,
    now,
  });
  const tokenService = tokenServiceFactory({
    meetings: meetingsService,
    minter,
    deadlineMs: config.mintDeadlineMs,
    now,
  });
  const diagnosisService = diagnosisServiceFactory({
    tokens: tokenService,
    meetings: meetingsService,
    tokenManager,
    api,
    minter,
    deadlineMs: config.mintDeadlineMs,
    now,
  });

  const tokenUrlService = tokenUrlServiceFactory({
    tokenService,
    urls: hot.tokenUrls(tokenUrlStoreFactory(db)),
    keyring,
    publicUrl: config.publicUrl,
    now,
  });

  const attendeeService = attendeeServiceFactory({
    integrations: attendeeIntegrationStoreFactory(db),
    keyring,
    tokenService,
    logSinks: {
      async toApps(workspaceId, message) {
        const apps = await appService.list(
          workspaceId,
          {},
          { pageSize: 200, after: null, backwards: false, descending: false },
        );
        await Promise.all(
          apps.rows.map((app) =>
            appService.log({ workspaceId, appId: app.id, level: 'warning', message }),
          ),
        );
      },
      toCredential: (workspaceId, credentialId, message) =>
        credentialLogs.insert({ workspaceId, subjectId: credentialId, level: 'warning', message }),
    },
    publicUrl: config.publicUrl,
    logger,
    now,
  });

  const runners = {
    none: () => noRunner,
    http: () =>
      createHttpRunner({
        http: zoomHttp,
        url: config.botRuntimeUrl as string,
        secret: config.botRuntimeSecret as string,
      }),
    emulator: () => createEmulatorRunner({ http: zoomHttp, emulatorUrl: config.zoomOAuthUrl }),
  };
  const botService = botServiceFactory({
    db,
    bots: botStoreFactory(db),
    tokenService,
    callbackFetcher,
    keyring,
    queue,
    runner: runners[config.botRunner](),
    logger,
    onStatusChanged: async (tx, workspaceId, bot, change) => {
      await eventService.emit(tx, {
        workspaceId,
        type: 'bot.status_changed',
        subjectId: bot.id,
        data: { ...bot, ...change },
      });
    },
    stats,
    now,
  });

  return {
    apiKeyService,
    tokenService,
    tokenUrlService,
    diagnosisService,
    attendeeService,
    botService,
    statsService,
    workspaceService,
    appService,
    credentialService,
    credentialImport,
    connectService,
    tokenManager,
    webhookEvents,
    webhookService,
    webhookProcessor,
    eventService,
    eventRetention: createWebhookRetention({
      events: eventService.retention,
      retentionDays: config.eventRetentionDays,
      logger,
      label: 'outgoing events',
    }),
    webhookRetention: createWebhookRetention({
      events: webhookEvents,
      retentionDays: config.webhookEventRetentionDays,
      logger,
    }),
    syncs,
    meetingsService,
    syncRunner,
    /** For a runner of one's own, e.g. the CLI's, with a progress callback. */
    syncRunnerDeps,
    resync,
    async close() {
      await Promise.all([
        zoomHttp.close(),
        callbackFetcher.close(),
        eventSender.close(),
        statsService.close(),
      ]);
    },
  };
}

export type Services = ReturnType<typeof createServices>;
