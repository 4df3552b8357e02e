// Assembles the emulator: state, clock, services and the Fastify server with its three
// surfaces (OAuth, REST /v2, admin /_emulator). Fault injection and the request log wrap the Zoom
// surfaces only; the admin API is never faulted or counted.

import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { adminRoutes } from './admin-routes.ts';
import { type AdminService, createAdminService } from './admin-service.ts';
import { registerApiRoutes } from './api-routes.ts';
import { createEmulatorClock, type EmulatorClock } from './clock.ts';
import { createFaultInjector } from './faults.ts';
import { registerOAuthRoutes } from './oauth-routes.ts';
import { createOAuthService } from './oauth-service.ts';
import { createPaginator } from './pagination.ts';
import { createRateLimiter } from './rate-limits.ts';
import { createRequestLog } from './request-log.ts';
import { createRequestNotes } from './request-notes.ts';
import { createEmulatorState, type EmulatorSnapshot, type EmulatorState } from './state.ts';
import { createWebhookDispatcher, type WebhookDispatcher } from './webhooks.ts';

export const DEFAULT_THIRD_PARTY_RECORDING_PATH =
  '/v2/meetings/{meetingId}/jointoken/3rd_party_recording';

export interface EmulatorServerConfig {
  seed: number;
  snapshot?: EmulatorSnapshot | undefined;
  logger: boolean;
  thirdPartyRecordingPath: string;
  /** The emulator's own base URL (known after listen); Zoom's `api_url` in token answers. */
  baseUrl: () => string;
  saveSnapshot: (snapshot: EmulatorSnapshot) => Promise<string | null>;
}

export interface EmulatorServer {
  server: FastifyInstance;
  state: EmulatorState;
  clock: EmulatorClock;
  admin: AdminService;
  webhooks: WebhookDispatcher;
  snapshot(): EmulatorSnapshot;
}

const isAdminPath = (url: string): boolean => url.startsWith('/_emulator');

/** Fastify's `/v2/meetings/:meetingId` → Zoom's documented `/v2/meetings/{meetingId}`. */
const routeTemplate = (request: FastifyRequest): string | null =>
  request.routeOptions.url ? request.routeOptions.url.replace(/:(\w+)/g, '{$1}') : null;

export async function buildEmulatorServer(config: EmulatorServerConfig): Promise<EmulatorServer> {
  const state = createEmulatorState(config.seed, config.snapshot);
  const clock = createEmulatorClock(config.snapshot?.clock);
  const notes = createRequestNotes();
  const requestLog = createRequestLog();
  const faults = createFaultInjector({ state });
  const oauth = createOAuthService({ state, clock, apiUrl: config.baseUrl });
  const webhooks = createWebhookDispatcher({ state, clock });
  const admin = createAdminService({ state, clock, oauth, webhooks });
  const snapshot = () => state.toSnapshot(clock.snapshot());

  const server = Fastify({
    logger: config.logger,
    // Strict admin bodies: refuse unknown fields instead of dropping them, and never coerce
    // (coercion would turn `per_second: null`, "unlimited", into 0).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  await server.register(formbody);

  server.addHook('onRequest', async (request, reply) => {
    if (isAdminPath(request.url)) return;
    const path = request.url.split('?')[0] ?? request.url;
    const fault = faults.pick(request.method, path, routeTemplate(request));
    if (!fault) return;
    if (fault.latency_ms > 0) await new Promise((resolve) => setTimeout(resolve, fault.latency_ms));
    if (fault.drop_response_after_commit) notes.add(request, { drop_response: true });
    if (fault.hold_response_after_commit) notes.add(request, { hold_for_fault: fault.id });
    if (fault.status !== null) {
      return reply
        .code(fault.status)
        .type('application/json')
        .send(
          fault.body === null
            ? { code: fault.status, message: 'Emulated fault.' }
            : JSON.stringify(fault.body.json),
        );
    }
  });

  // Held answers would keep their connections, and so the server, open forever.
  server.addHook('preClose', async () => faults.clear());

  server.addHook('onSend', async (request, reply, payload) => {
    if (isAdminPath(request.url)) return payload;
    const note = notes.get(request);
    const template = routeTemplate(request);
    requestLog.record({
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      endpoint: `${request.method} ${template ?? request.url.split('?')[0]}`,
      status: reply.statusCode,
      client_id: note.client_id ?? null,
      grant_type: note.grant_type ?? null,
      refreshed_grant_id: note.refreshed_grant_id ?? null,
      at: clock.nowIso(),
    });
    // The state change is committed; the caller never hears about it.
    if (note.drop_response) request.raw.socket.destroy();
    // The answer is computed; the caller hears it only when the test releases the fault.
    else if (note.hold_for_fault) await faults.hold(note.hold_for_fault);
    return payload;
  });

  server.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      code: 404,
      message: `No such endpoint: ${request.method} ${request.url.split('?')[0]}`,
    }),
  );

  registerOAuthRoutes(server, { state, oauth, notes });
  registerApiRoutes(server, {
    state,
    clock,
    oauth,
    notes,
    rateLimiter: createRateLimiter({ clock }),
    paginator: createPaginator({ state, clock }),
    thirdPartyRecordingPath: config.thirdPartyRecordingPath,
  });
  await server.register(
    (instance) =>
      adminRoutes(instance, {
        admin,
        state,
        clock,
        faults,
        requestLog,
        webhooks,
        snapshot,
        saveSnapshot: () => config.saveSnapshot(snapshot()),
      }),
    { prefix: '/_emulator' },
  );

  return { server, state, clock, admin, webhooks, snapshot };
}
