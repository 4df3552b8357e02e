import { setTimeout as sleep } from 'node:timers/promises';
import { createSyncRunner, type SyncCounters } from '../meetings/runner.ts';
import type { SyncRow } from '../meetings/service.ts';
import { plural } from '../plural.ts';
import type { Runtime } from '../runtime.ts';

/** A problem the operator can act on: printed as one line, no stack trace. */
export class SyncCommandError extends Error {}

/** One status line: rewritten in place on a terminal, printed every few seconds otherwise. */
function progressPrinter(stream: NodeJS.WriteStream) {
  let lastPrinted = 0;
  return {
    update(
      sync: Pick<
        SyncRow,
        'phase' | 'users_seen' | 'meetings_seen' | 'zoom_calls' | 'rate_limit_waits'
      >,
      final = false,
    ) {
      const line =
        `[${sync.phase.padEnd(8)}] users ${sync.users_seen} · meetings listed ${sync.meetings_seen} · ` +
        `Zoom calls ${sync.zoom_calls} · rate-limit waits ${sync.rate_limit_waits}`;
      if (stream.isTTY) {
        stream.write(`\r${line}\u001b[K${final ? '\n' : ''}`);
      } else if (final || Date.now() - lastPrinted > 2000) {
        stream.write(`${line}\n`);
        lastPrinted = Date.now();
      }
    },
  };
}

/**
 * `hostpass sync <credential-id>`: a full meeting sync in the foreground. The steps are the same
 * as the background job's; if a server process is already running this sync, its progress is
 * followed instead of doing the work twice.
 */
export async function runSyncCommand(
  runtime: Runtime,
  credentialId: string,
): Promise<'completed' | 'failed'> {
  const { services, db } = runtime;
  const credential = await services.syncRunnerDeps.credentials.findById(credentialId);
  if (!credential) throw new SyncCommandError(`No credential ${credentialId}.`);
  if (credential.status === 'unhealthy')
    throw new SyncCommandError(`The credential is unhealthy: ${credential.status_reason}`);
  await db.transaction((tx) => services.meetingsService.requestSync(credential, tx));
  const sync = await services.syncs.runningSync(credentialId);
  if (!sync) throw new Error('The sync finished before it could be followed.');

  const printer = progressPrinter(process.stderr);
  const runner = createSyncRunner({
    ...services.syncRunnerDeps,
    onProgress: (current: SyncRow, _counters: SyncCounters) => printer.update(current),
  });
  let followingOther = false;
  for (;;) {
    const outcome = await runner.runStep(sync.id);
    if (outcome.kind === 'done') break;
    if (outcome.kind === 'resume_after') {
      process.stderr.write(`\nZoom's rate limit: waiting ${outcome.seconds} s\n`);
      await sleep(outcome.seconds * 1000);
    }
    if (outcome.kind === 'skipped') {
      if (!followingOther)
        process.stderr.write(
          'Another Hostpass process is running this sync; following its progress.\n',
        );
      followingOther = true;
      const current = await services.syncs.runningSync(credentialId);
      if (!current) break;
      printer.update(current);
      await sleep(500);
    }
  }
  const finished = await services.syncs.findSyncById(sync.id);
  if (!finished) throw new Error(`The sync ${sync.id} is gone.`);
  printer.update(finished, true);
  if (finished.status === 'failed') process.stderr.write(`Sync failed: ${finished.error}\n`);
  const mapped = await services.syncs.countMappings(credentialId);
  console.log(
    `${finished.status === 'completed' ? 'Completed' : 'Failed'}: ${plural(mapped, 'meeting')} (PMIs included) mapped for credential ${credentialId}.`,
  );
  return finished.status === 'completed' ? 'completed' : 'failed';
}
