import { createServer } from 'node:net';
import { buildHttpServer } from '../app.ts';
import type { Config } from '../config.ts';
import { createLogger } from '../logger.ts';
import { openRuntime, type Runtime } from '../runtime.ts';
import type { InitialAccess } from '../workspaces/service.ts';

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

/** The port is taken (or not ours to take): said in one line, without a stack trace. */
export class PortUnavailableError extends Error {}

function portProblem(error: unknown, config: Config): PortUnavailableError | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE')
    return new PortUnavailableError(
      `port ${config.port} is in use: set PORT=<a free port> (e.g. PORT=${config.port === 8080 ? 8081 : 8080}), or stop what is listening on it.`,
    );
  if (code === 'EACCES')
    return new PortUnavailableError(
      `port ${config.port} needs privileges this user lacks: set PORT=<a port above 1023> (e.g. PORT=8080).`,
    );
  if (code === 'EADDRNOTAVAIL')
    return new PortUnavailableError(
      `HOST=${config.host} is not an address of this machine: set HOST=127.0.0.1 or HOST=0.0.0.0.`,
    );
  return null;
}

/**
 * Tries the port before anything else happens: a server that cannot listen must not create a
 * store, a workspace or a first key nobody would see. (The real listen can still lose a race for
 * the port; serve then closes everything, and the first key is only made after it listens.)
 */
function assertPortFree(config: Config): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(portProblem(error, config) ?? error));
    probe.listen({ port: config.port, host: config.host, exclusive: true }, () =>
      probe.close(() => resolve()),
    );
  });
}

/** Workspaces whose every key was created but never shown: say how to get a key for them. */
async function warnAboutUnreachableWorkspaces(runtime: Runtime): Promise<void> {
  const unreachable = await runtime.services.apiKeyService.workspacesWithoutShownKey();
  const embedded = runtime.config.databaseUrl === null;
  for (const workspace of unreachable) {
    process.stderr.write(
      `Workspace "${workspace.name}" (${workspace.id}) has no API key that was ever shown: ` +
        `${embedded ? 'stop Hostpass and ' : ''}run \`npx hostpass keys create --workspace ${workspace.id}\` to make one.\n`,
    );
  }
}

export async function serve(config: Config): Promise<void> {
  await assertPortFree(config);
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config, logger);
  const workspaces = runtime.services.workspaceService;
  let bootstrapped: InitialAccess | null = null;
  let started = false;
  let app: Awaited<ReturnType<typeof buildHttpServer>> | undefined;
  try {
    // An operator-chosen key works from the first request on; nothing needs showing.
    bootstrapped =
      config.bootstrapApiKey === null
        ? null
        : await workspaces.ensureInitialAccess(config.bootstrapApiKey);
    app = await buildHttpServer({
      config,
      logger,
      db: runtime.db,
      services: runtime.services,
      isStarted: () => started,
    });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app?.close().catch(() => {});
    await runtime.close();
    throw portProblem(error, config) ?? error;
  }
  // Only now that it listens: a first key made before a failed listen would never be shown.
  const access = bootstrapped ?? (await workspaces.ensureInitialAccess(null));
  announceInitialAccess(access, config.publicUrl);
  if (access.kind === 'generated')
    await runtime.services.apiKeyService.markShown(access.apiKey.record.id);
  await warnAboutUnreachableWorkspaces(runtime);

  // Signals are handled from before /readyz answers 200: a SIGTERM while the workers still start
  // stops cleanly (after they started), instead of killing the process mid-way.
  let workersStarting: Promise<void> = Promise.resolve();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await app?.close();
    await workersStarting.catch(() => {});
    await runtime.close();
    logger.info('stopped');
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  started = true;
  // Serving does not wait for the background workers to register (about 0.2 s of start-up).
  if (config.runWorkers) {
    workersStarting = runtime.startWorkers();
    await workersStarting;
  }
  logger.info({ storage: runtime.db.engine, publicUrl: config.publicUrl }, 'Hostpass is ready');
}
