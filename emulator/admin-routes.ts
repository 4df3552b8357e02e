// The admin API under /_emulator (contract in docs/emulator.md): build the emulated Zoom world,
// move its clock, inspect what Hostpass did to it (request counts, webhook deliveries) and
// inject faults. Thin: rules live in admin-service.ts.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import * as schemas from './admin-schemas.ts';
import { AdminFailure, type AdminService } from './admin-service.ts';
import type { EmulatorClock } from './clock.ts';
import type { FaultInjector } from './faults.ts';
import type { RequestLog } from './request-log.ts';
import type { EmulatorSnapshot, EmulatorState } from './state.ts';
import type { WebhookDispatcher } from './webhooks.ts';

export interface AdminRouteDeps {
  admin: AdminService;
  state: EmulatorState;
  clock: EmulatorClock;
  faults: FaultInjector;
  requestLog: RequestLog;
  webhooks: WebhookDispatcher;
  snapshot(): EmulatorSnapshot;
  /** Writes the snapshot file; null when the emulator has no snapshotPath. */
  saveSnapshot(): Promise<string | null>;
}

export async function adminRoutes(server: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  const { admin, clock } = deps;
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const id = { params: schemas.IdParams };

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof AdminFailure)
      return reply.code(error.status).send({ error: error.code, message: error.message });
    const status =
      typeof error === 'object' && error !== null && 'statusCode' in error
        ? Number(error.statusCode)
        : 500;
    const message = error instanceof Error ? error.message : String(error);
    return reply
      .code(status >= 400 && status < 600 ? status : 500)
      .send({ error: 'invalid_request', message });
  });

  const clockView = () => ({ now: clock.nowIso(), frozen: clock.isFrozen() });

  app.post('/accounts', { schema: { body: schemas.AccountBody } }, async (request, reply) =>
    reply.code(201).send(admin.createAccount(request.body)),
  );
  app.get('/accounts/:id', { schema: id }, async (request) => admin.account(request.params.id));
  app.patch('/accounts/:id', { schema: { ...id, body: schemas.AccountPatch } }, async (request) =>
    admin.updateAccount(request.params.id, request.body),
  );

  app.post('/users', { schema: { body: schemas.UserBody } }, async (request, reply) =>
    reply.code(201).send(admin.createUser(request.body)),
  );
  app.get('/users/:id', { schema: id }, async (request) => admin.user(request.params.id));
  app.patch('/users/:id', { schema: { ...id, body: schemas.UserPatch } }, async (request) =>
    admin.updateUser(request.params.id, request.body),
  );

  app.post('/meetings', { schema: { body: schemas.MeetingBody } }, async (request, reply) =>
    reply.code(201).send(await admin.createMeeting(request.body)),
  );
  app.get('/meetings/:id', { schema: id }, async (request) => admin.meeting(request.params.id));
  app.patch('/meetings/:id', { schema: { ...id, body: schemas.MeetingPatch } }, async (request) =>
    admin.updateMeeting(request.params.id, request.body),
  );
  app.delete('/meetings/:id', { schema: id }, async (request, reply) => {
    const operator = (request.query as Record<string, string | undefined>).operator_id;
    await admin.deleteMeeting(request.params.id, operator);
    return reply.code(204).send();
  });
  app.post('/webinars', { schema: { body: schemas.WebinarBody } }, async (request, reply) =>
    reply.code(201).send(await admin.createWebinar(request.body)),
  );
  app.get('/webinars/:id', { schema: id }, async (request) => admin.webinar(request.params.id));
  app.patch('/webinars/:id', { schema: { ...id, body: schemas.WebinarPatch } }, async (request) =>
    admin.updateWebinar(request.params.id, request.body),
  );
  app.delete('/webinars/:id', { schema: id }, async (request, reply) => {
    const operator = (request.query as Record<string, string | undefined>).operator_id;
    await admin.deleteWebinar(request.params.id, operator);
    return reply.code(204).send();
  });
  app.post(
    '/meetings/:id/participants',
    { schema: { ...id, body: schemas.ParticipantBody } },
    async (request) => admin.addParticipant(request.params.id, request.body.user_id),
  );
  app.delete('/meetings/:id/participants/:userId', async (request) => {
    const params = request.params as { id: string; userId: string };
    return admin.removeParticipant(params.id, params.userId);
  });
  app.post(
    '/meetings/:id/join',
    { schema: { ...id, body: schemas.JoinBody } },
    async (request, reply) => {
      const result = admin.join(request.params.id, request.body);
      return reply.code(result.admitted === 'refused' ? 403 : 200).send(result);
    },
  );

  app.post('/apps', { schema: { body: schemas.AppBody } }, async (request, reply) =>
    reply.code(201).send(await admin.createApp(request.body)),
  );
  app.get('/apps/:id', { schema: id }, async (request) => admin.app(request.params.id));
  app.patch('/apps/:id', { schema: { ...id, body: schemas.AppPatch } }, async (request) =>
    admin.updateApp(request.params.id, request.body),
  );
  app.post(
    '/apps/:id/validate',
    { schema: { ...id, body: schemas.ValidateBody } },
    async (request) => admin.validateApp(request.params.id, request.body.url),
  );

  app.post('/authorize', { schema: { body: schemas.AuthorizeBody } }, async (request, reply) => {
    const result = admin.authorize(request.body);
    if (!result.ok) return reply.code(400).send({ error: result.error, message: result.message });
    return { code: result.code, redirect: result.redirect };
  });
  app.post('/fleet', { schema: { body: schemas.FleetBody } }, async (request, reply) =>
    reply.code(201).send(admin.seedFleet(request.body)),
  );
  app.post('/deauthorize', { schema: { body: schemas.DeauthorizeBody } }, async (request) =>
    admin.deauthorize(
      request.body.client_id,
      request.body.user_id,
      request.body.user_data_retention ?? false,
    ),
  );

  app.get('/clock', async () => clockView());
  // Answers after the webhook retries that became due have been attempted.
  app.post('/clock', { schema: { body: schemas.ClockBody } }, async (request) => {
    if (request.body.freeze === true) clock.freeze();
    if (request.body.freeze === false) clock.unfreeze();
    if (request.body.advance_seconds) clock.advance(request.body.advance_seconds);
    await deps.webhooks.runDueRetries();
    return clockView();
  });

  app.get('/requests', async () => deps.requestLog.summary());
  app.delete('/requests', async (_request, reply) => {
    deps.requestLog.reset();
    return reply.code(204).send();
  });

  app.get('/webhooks', async () => deps.state.webhookLog);
  app.delete('/webhooks', async (_request, reply) => {
    deps.state.webhookLog.length = 0;
    return reply.code(204).send();
  });

  app.get('/faults', async () => deps.faults.list());
  app.post('/faults', { schema: { body: schemas.FaultBody } }, async (request, reply) =>
    reply.code(201).send(deps.faults.add(request.body)),
  );
  app.delete('/faults', async (_request, reply) => {
    deps.faults.clear();
    return reply.code(204).send();
  });
  app.post('/faults/:id/release', { schema: id }, async (request) => {
    const released = deps.faults.release(request.params.id);
    if (!released)
      throw new AdminFailure(404, 'not_found', `fault ${request.params.id} does not exist.`);
    return released;
  });

  app.get('/state', async () => deps.snapshot());
  app.post('/snapshot', async (_request, reply) => {
    const path = await deps.saveSnapshot();
    if (!path)
      return reply
        .code(409)
        .send({ error: 'no_snapshot_path', message: 'Start the emulator with snapshotPath.' });
    return { path, saved_at: clock.nowIso() };
  });
}
