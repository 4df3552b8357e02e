import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { apiKeyAuthentication } from './api-keys/authentication.ts';
import { apiKeyRoutes } from './api-keys/routes.ts';
import { appRoutes } from './apps/routes.ts';
import { attendeeCallbackRoutes, attendeeIntegrationRoutes } from './attendee/routes.ts';
import { botRoutes } from './bots/routes.ts';
import type { Config } from './config.ts';
import { connectBrowserRoutes, connectLinkRoutes } from './connect/routes.ts';
import { credentialRoutes } from './credentials/routes.ts';
import { dashboardRoutes } from './dashboard/routes.ts';
import type { Database } from './db/database.ts';
import { diagnosisRoutes } from './diagnosis/routes.ts';
import { eventWebhooksDocument } from './events/openapi.ts';
import { eventRoutes } from './events/routes.ts';
import { answerFrameworkError, installErrorHandlers } from './http/error-handler.ts';
import { installHealthRoutes } from './http/health.ts';
import { installBodyParsers } from './http/json-body.ts';
import { installMetrics } from './http/metrics.ts';
import { installRequestLog } from './http/request-log.ts';
import { installTimestampFormat } from './http/timestamps.ts';
import { finiteNumbersValidatorFactory } from './http/validation.ts';
import { meetingMappingRoutes } from './meetings/routes.ts';
import type { Services } from './services.ts';
import { statsRoutes } from './stats/routes.ts';
import { tokenRoutes, tokenUrlRoutes } from './tokens/routes.ts';
import { webhookEventRoutes } from './webhooks/event-routes.ts';
import { webhookRoutes } from './webhooks/routes.ts';
import { adminRoutes } from './workspaces/admin-routes.ts';

export interface HttpServerDeps {
  config: Config;
  logger: Logger;
  db: Database;
  services: Services;
  /**
   * False while `serve` finishes starting after it listens (the first key is made and printed
   * only then): /readyz answers 503 meanwhile. Absent: ready as soon as it listens.
   */
  isStarted?: () => boolean;
}

const API_DESCRIPTION = `Hostpass keeps your customers' Zoom OAuth grants alive, knows which host owns which
meeting, and mints the host's recording permission for meeting bots. It serves the REST API of
Recall.ai's Zoom OAuth integration: authenticate with \`Authorization: Token <API key>\`.

Bodies are JSON (\`Content-Type: application/json\`, at most 64 levels deep) or forms; any other
type, or none, is a 415. Errors have Django REST framework's shape (\`{"detail": …}\` or
\`{"<field>": […]}\`); numbers must be finite and within the field's bounds. Timestamps in answers
are RFC 3339 in UTC with milliseconds.`;

/** The Fastify options of the API server (body limit, routing, validation, shutdown). */
export function httpServerOptions(config: Pick<Config, 'bodyLimitBytes'>) {
  return {
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true },
    // Clients of the hosted API send unknown ids and junk; the error handler answers for them.
    ajv: {
      customOptions: {
        removeAdditional: false,
        allErrors: true,
        coerceTypes: 'array',
        useDefaults: true,
      },
    },
    // Ajv's validators, and every number finite ("Infinity" coerces past Ajv's bounds).
    schemaController: { compilersFactory: { buildValidator: finiteNumbersValidatorFactory() } },
    // Bad percent-encoding and overlong path segments, answered in the API's error shape.
    frameworkErrors: answerFrameworkError,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  } satisfies FastifyServerOptions;
}

export async function buildHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  const { config, logger, db, services } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    ...httpServerOptions(config),
    // Logged by installRequestLog instead: paths and queries carry link tokens and signatures.
    logController: new LogController({ disableRequestLogging: true }),
    // Each request's logger. Fastify passes `{}` when a route sets no level or serializers of its
    // own (none here), and pino then rebuilds the child's formatters on every request; without
    // options it takes its fast path. Same lines, same `reqId`.
    childLoggerFactory: (parent, bindings, options) =>
      options.level !== undefined || options.serializers !== undefined
        ? parent.child(bindings, options)
        : parent.child(bindings),
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandlers(app, config.bodyLimitBytes);
  installRequestLog(app, logger);
  installTimestampFormat(app);
  // JSON (depth-limited) and forms; any other body is refused (415) rather than half-parsed.
  await installBodyParsers(app, config.bodyLimitBytes);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Hostpass API', version: '2', description: API_DESCRIPTION },
      servers: [{ url: config.publicUrl }],
      webhooks: eventWebhooksDocument(),
      components: {
        securitySchemes: {
          ApiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: '`Token <API key>`',
          },
          AdminToken: { type: 'http', scheme: 'bearer', description: 'HOSTPASS_ADMIN_TOKEN' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  installMetrics(app);
  installHealthRoutes(app, db, deps.isStarted);

  const tokenRouteOptions = {
    tokenService: services.tokenService,
    tokenUrlService: services.tokenUrlService,
  };
  const attendeeRouteOptions = {
    attendeeService: services.attendeeService,
    publicUrl: config.publicUrl,
  };
  await app.register(async (api) => {
    api.addHook('onRequest', apiKeyAuthentication(services.apiKeyService));
    await api.register(appRoutes, { appService: services.appService, publicUrl: config.publicUrl });
    await api.register(apiKeyRoutes, {
      apiKeyService: services.apiKeyService,
      publicUrl: config.publicUrl,
    });
    await api.register(credentialRoutes, {
      credentialService: services.credentialService,
      publicUrl: config.publicUrl,
    });
    await api.register(connectLinkRoutes, { connectService: services.connectService });
    await api.register(meetingMappingRoutes, {
      meetingsService: services.meetingsService,
      publicUrl: config.publicUrl,
    });
    await api.register(tokenRoutes, tokenRouteOptions);
    await api.register(diagnosisRoutes, { diagnosisService: services.diagnosisService });
    await api.register(botRoutes, { botService: services.botService, publicUrl: config.publicUrl });
    await api.register(webhookEventRoutes, {
      webhookService: services.webhookService,
      publicUrl: config.publicUrl,
    });
    await api.register(attendeeIntegrationRoutes, attendeeRouteOptions);
    await api.register(eventRoutes, {
      eventService: services.eventService,
      publicUrl: config.publicUrl,
    });
    await api.register(statsRoutes, { statsService: services.statsService });
  });
  // Attendee's signature authenticates its callbacks: no API key.
  await app.register(attendeeCallbackRoutes, attendeeRouteOptions);
  // Token URLs carry their own signature instead of an API key.
  await app.register(tokenUrlRoutes, tokenRouteOptions);
  await app.register(connectBrowserRoutes, { connectService: services.connectService });
  // Zoom's signature authenticates webhooks: no API key.
  await app.register(webhookRoutes, { webhookService: services.webhookService });
  await app.register(adminRoutes, {
    workspaceService: services.workspaceService,
    adminToken: config.adminToken,
  });
  await app.register(dashboardRoutes, { dashboardDir: config.dashboardDir });
  return app;
}
