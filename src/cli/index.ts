import { Command, InvalidArgumentError } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { ConfigError, loadConfig } from '../config.ts';
import { generateEncryptionKey } from '../crypto/keyring.ts';
import { rotateSealedColumns, sealedKeyUsage } from '../crypto/sealed-columns.ts';
import { DataDirInUseError } from '../db/data-dir-lock.ts';
import { BadRequestError } from '../errors.ts';
import { parseHostpassUrl } from '../hostpass-url.ts';
import { createLogger } from '../logger.ts';
import { plural } from '../plural.ts';
import { openRuntime, type Runtime } from '../runtime.ts';
import { SEALED_COLUMNS } from '../services.ts';
import type { EmulatorCommandOptions } from './emulator.ts';
import { PortUnavailableError, serve } from './serve.ts';

/** Errors an operator can act on are printed as one plain sentence, without a stack trace. */
class CliError extends Error {}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('Not a port number.');
  return port;
}

function parseUrlOption(value: string): string {
  const url = parseHostpassUrl(value);
  if (url === null) throw new InvalidArgumentError('Not an http(s) URL without query.');
  return url;
}

/** Runs a command against the store; CLI commands log only warnings, to stderr. */
async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const runtime = await openRuntime(
    config,
    createLogger(config.logLevel === 'silent' ? 'silent' : 'warn', process.stderr),
  );
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

async function resolveWorkspaceId(
  runtime: Runtime,
  requested: string | undefined,
): Promise<string> {
  if (requested) return requested;
  const workspaces = await runtime.services.workspaceService.list();
  if (workspaces.length === 1 && workspaces[0]) return workspaces[0].id;
  const listing = workspaces.map((workspace) => `  ${workspace.id}  ${workspace.name}`).join('\n');
  throw new CliError(
    workspaces.length === 0
      ? 'There is no workspace yet: create one with `hostpass workspaces create NAME`.'
      : `Several workspaces exist; choose one with --workspace:\n${listing}`,
  );
}

const program = new Command()
  .name('hostpass')
  .description("Keeps Zoom hosts' OAuth grants alive and mints recording tokens for meeting bots.")
  .version(packageJson.version);

program
  .command('serve')
  .description('Run the HTTP server (applies migrations first).')
  .action(async () => serve(loadConfig()));

program
  .command('migrate')
  .description('Apply pending database migrations and exit.')
  .action(() =>
    withRuntime(async () => {
      // openRuntime applies them; reaching here means the schema is current.
      console.log('Database schema is up to date.');
    }),
  );

const keys = program.command('keys').description('Manage API keys and encryption keys.');

keys
  .command('create')
  .description('Create an API key; the key is printed alone on the last line.')
  .option('--workspace <id>', 'workspace id (required when there are several)')
  .option('--name <name>', 'a label for the key', 'API key')
  .action((options: { workspace?: string; name: string }) =>
    withRuntime(async (runtime) => {
      const workspaceId = await resolveWorkspaceId(runtime, options.workspace);
      const created = await runtime.services.apiKeyService.create(workspaceId, options.name);
      console.log(
        `Created API key ${created.record.id} in workspace ${workspaceId}. It is shown only once:`,
      );
      console.log(created.key);
    }),
  );

keys
  .command('list')
  .description('List API keys (ids and prefixes, never the keys).')
  .option('--workspace <id>', 'only this workspace')
  .action((options: { workspace?: string }) =>
    withRuntime(async (runtime) => {
      let after = null;
      do {
        const page = await runtime.services.apiKeyService.list(options.workspace ?? null, {
          pageSize: 200,
          after,
          backwards: false,
          descending: false,
        });
        for (const key of page.rows) {
          console.log(
            `${key.id}  workspace=${key.workspace_id}  ${key.key_prefix}…  ${key.created_at}  ${key.name}`,
          );
        }
        const last = page.rows.at(-1);
        after = page.hasMoreAfter && last ? { value: last.created_at, id: last.id } : null;
      } while (after);
    }),
  );

keys
  .command('revoke <id>')
  .description('Revoke (delete) an API key.')
  .action((id: string) =>
    withRuntime(async (runtime) => {
      await runtime.services.apiKeyService.delete(null, id);
      console.log(`Revoked API key ${id}.`);
    }),
  );

keys
  .command('rotate-encryption')
  .description('Re-encrypt every stored secret with the first key of HOSTPASS_ENCRYPTION_KEYS.')
  .action(() =>
    withRuntime(async (runtime) => {
      const { resealed } = await rotateSealedColumns(runtime.db, runtime.keyring, SEALED_COLUMNS);
      const inUse = [...(await sealedKeyUsage(runtime.db, SEALED_COLUMNS)).keys()];
      const removable = runtime.keyring.keyIds.filter((keyId) => !inUse.includes(keyId));
      console.log(
        `Re-encrypted ${plural(resealed, 'secret')} with key "${runtime.keyring.activeKeyId}".`,
      );
      console.log(
        removable.length > 0
          ? `No stored secret uses ${removable.length === 1 ? 'key' : 'keys'} ${removable.map((id) => `"${id}"`).join(', ')} any more: ${removable.length === 1 ? 'it' : 'they'} can be removed.`
          : 'Every configured key is still in use.',
      );
    }),
  );

keys
  .command('generate-encryption-key')
  .description('Print a new random encryption key as "<id>:<base64>" for HOSTPASS_ENCRYPTION_KEYS.')
  .option('--id <id>', 'key id', `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`)
  .action((options: { id: string }) => console.log(generateEncryptionKey(options.id)));

const workspaces = program.command('workspaces').description('Manage workspaces.');

workspaces
  .command('create <name>')
  .description('Create a workspace; its first API key is printed alone on the last line.')
  .action((name: string) =>
    withRuntime(async (runtime) => {
      const { workspace, apiKey } = await runtime.services.workspaceService.create(name);
      console.log(
        `Created workspace ${workspace.id} ("${workspace.name}"). Its first API key, shown only once:`,
      );
      console.log(apiKey.key);
    }),
  );

workspaces
  .command('list')
  .description('List workspaces.')
  .action(() =>
    withRuntime(async (runtime) => {
      for (const workspace of await runtime.services.workspaceService.list()) {
        console.log(`${workspace.id}  ${workspace.created_at}  ${workspace.name}`);
      }
    }),
  );

const credentialsCommand = program
  .command('credentials')
  .description('Manage Zoom OAuth credentials.');

credentialsCommand
  .command('import <file>')
  .description(
    "Import Zoom grants held elsewhere (NDJSON, one grant a line: the user as /users/me shows it, and the tokens as /oauth/token answered them — the Zoom emulator's POST /_emulator/fleet writes this). Each becomes a credential as if connected: first refresh and meeting sync queued.",
  )
  .requiredOption('--app <oauth-app-id>', 'the user-level OAuth app the grants belong to')
  .option('--workspace <id>', 'workspace (default: the only one)')
  .action((file: string, options: { app: string; workspace?: string }) =>
    withRuntime(async (runtime) => {
      const { readGrantFile } = await import('./import.ts');
      const grants = await readGrantFile(file).catch((error: unknown) => {
        throw new CliError(error instanceof Error ? error.message : String(error));
      });
      const workspaceId = await resolveWorkspaceId(runtime, options.workspace);
      const started = Date.now();
      const outcome = await runtime.services.credentialImport
        .importGrants(workspaceId, options.app, grants, (done) => {
          if (done % 10_000 === 0 || done === grants.length)
            process.stderr.write(`${done} of ${grants.length}\n`);
        })
        .catch((error: unknown) => {
          if (error instanceof BadRequestError) throw new CliError(error.message);
          throw error;
        });
      console.log(
        `Imported ${plural(outcome.created, 'credential')} in ${((Date.now() - started) / 1000).toFixed(1)} s` +
          (outcome.existing > 0
            ? ` (${outcome.existing} already connected, left as they were).`
            : '.'),
      );
    }),
  );

program
  .command('sync <credential-id>')
  .description("Sync a credential's meetings now, in the foreground, with progress.")
  .action((credentialId: string) =>
    withRuntime(async (runtime) => {
      const { runSyncCommand, SyncCommandError } = await import('./sync.ts');
      const outcome = await runSyncCommand(runtime, credentialId).catch((error: unknown) => {
        throw error instanceof SyncCommandError ? new CliError(error.message) : error;
      });
      if (outcome === 'failed') process.exitCode = 1;
    }),
  );

program
  .command('demo')
  .description(
    'Run the whole flow offline against the Zoom emulator, step by step, and print what happened.',
  )
  .option('--keep-running', 'leave Hostpass and the emulator running afterwards')
  .action(async (options: { keepRunning?: boolean }) => {
    const { runDemo } = await import('./demo.ts');
    await runDemo({ keepRunning: options.keepRunning === true });
  });

program
  .command('emulator')
  .description(
    'Run the offline Zoom emulator (OAuth, REST API, webhooks) for development and demos.',
  )
  .option('--port <port>', 'port to listen on', parsePort, 9090)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--snapshot <file>', 'load state from this JSON file if it exists, save it there on exit')
  .option(
    '--demo',
    'start with a demo world: an account, two users, a meeting each, an app of each kind',
  )
  .option(
    '--hostpass-url <url>',
    "Hostpass's URL: the demo apps allow its Connect callback (default: PUBLIC_URL, else http://localhost:$PORT, PORT defaulting to 8080)",
    parseUrlOption,
  )
  .action(async (options: EmulatorCommandOptions) => {
    const { runEmulatorCommand } = await import('./emulator.ts');
    await runEmulatorCommand(options);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (
    error instanceof ConfigError ||
    error instanceof CliError ||
    error instanceof DataDirInUseError ||
    error instanceof PortUnavailableError
  ) {
    console.error(error.message);
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  }
  // Exit now: a failed start must not hang on whatever it had opened (stderr is written
  // synchronously to terminals, files and pipes, so the message is out).
  process.exit(1);
}
