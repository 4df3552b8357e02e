import type { Config } from './config.ts';
import { buildHttpServer } from './http/server.ts';
import { createLogger } from './logger.ts';
import { openRuntime } from './runtime.ts';
import type { InitialAccess } from './workspaces/service.ts';

/**
 * The generated first key is printed to the terminal (stderr), once, outside the JSON logs, so
 * that it never lands in a log pipeline. Scripted set-ups use HOSTPASS_BOOTSTRAP_API_KEY.
 */
function announceInitialAccess(access: InitialAccess, publicUrl: string): void {
  if (access.kind !== 'generated') return;
  const rule = '='.repeat(78);
  process.stderr.write(
    [
      '',
      rule,
      `  Hostpass created the workspace "${access.workspace.name}" and its first API key.`,
      '  It is shown only this once. Store it now:',
      '',
      `      ${access.apiKey.key}`,
      '',
      `  Try:  curl -H "Authorization: Token ${access.apiKey.key}" ${publicUrl}/api/v2/zoom-oauth-apps/`,
      rule,
      '',
      '',
    ].join('\n'),
  );
}

export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config, logger);
  const access = await runtime.services.workspaceService.ensureInitialAccess(
    config.bootstrapApiKey,
  );
  const app = await buildHttpServer({
    config,
    logger,
    db: runtime.db,
    services: runtime.services,
  });
  await app.listen({ port: config.port, host: config.host });
  // Serving does not wait for the background workers to register (about 0.2 s of start-up).
  if (config.runWorkers) await runtime.startWorkers();
  announceInitialAccess(access, config.publicUrl);
  logger.info({ storage: runtime.db.engine, publicUrl: config.publicUrl }, 'Hostpass is ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    await runtime.close();
    logger.info('stopped');
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
