import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.ts';
import { pendingMigrations } from '../db/migrations.ts';
import { plural } from '../plural.ts';

/** `/healthz`: the process answers. `/readyz`: it can serve, its database reachable and migrated. */
export function installHealthRoutes(
  app: FastifyInstance,
  db: Database,
  isStarted: () => boolean = () => true,
): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    if (!isStarted()) return reply.code(503).send({ status: 'not_ready', reason: 'Starting.' });
    try {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) {
        return reply.code(503).send({
          status: 'not_ready',
          reason: `${plural(pending.length, 'migration')} not applied.`,
        });
      }
      return { status: 'ready', storage: db.engine };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return reply.code(503).send({ status: 'not_ready', reason: 'The database is unreachable.' });
    }
  });
}
