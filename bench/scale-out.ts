/**
 * Scale-out (issue 11 part 6): test/scale-out.test.ts's scenario (without the kill) on 1, 2 and 3
 * processes on one PostgreSQL: an account's initial sync, meeting webhooks and mints at once.
 */
import { performance } from 'node:perf_hooks';
import {
  mintContinuously,
  refreshGaps,
  roundRobin,
  scaleOutAccount,
  streamMeetingEvents,
} from '../test/support/scale-out.ts';
import { eventually, firstSync } from '../test/support/zoom-world.ts';
import { cpuMeter, POSTGRES_BACKENDS, serversCpu, serversCpuMs } from './harness/load.ts';
import type { Hostpass } from './harness/processes.ts';
import { log, quantiles, round2 } from './harness/report.ts';
import { defineScenario, main } from './harness/scenario.ts';
import { must } from './harness/world.ts';

const PROCESS_COUNTS = [1, 2, 3] as const;
/** As the test: the account's Medium budget as Hostpass knows it, a short sync lease. */
const SERVER_ENV = { HOSTPASS_ZOOM_RATE_MEDIUM: '300', HOSTPASS_SYNC_LEASE_SECONDS: '3' };

export const scenario = defineScenario({
  name: 'scale-out',
  options: { users: 2_000, seconds: 40, tokenSeconds: 20, streamWorkers: 4, mintWorkers: 8 },
  quick: { users: 200, seconds: 5 },
  engines: ['postgres'],
  async measure(run, settings) {
    const emulator = await run.emulator();
    const rows = [];
    for (const processes of PROCESS_COUNTS) {
      const store = await run.store('postgres');
      const servers = await run.hostpasses(processes, store, { emulator, env: SERVER_ENV });
      const [first] = servers as [Hostpass];
      const client = roundRobin(servers.map((server) => server.process.url));
      const api: Hostpass['api'] = (path, init = {}) =>
        client.send(path, { ...init, headers: { authorization: first.authorization } });
      await emulator.zoom.resetRequests();
      const connectedAt = performance.now();
      const account = await scaleOutAccount(
        { zoom: emulator.zoom, hostpass: { api, client: first.client } },
        { users: settings.users, accessTokenSeconds: settings.tokenSeconds },
      );
      const pmis = account.users.map((user) => Number(user.pmi));
      await eventually(
        async () => {
          const found = await api(
            `/api/v2/zoom-meetings-to-credentials/?meeting_id=${pmis.at(-1)}`,
          );
          return found.body.results?.length === 1 ? true : undefined;
        },
        "the sync's users phase",
        120_000,
      );

      const cpu = await cpuMeter({
        ...serversCpu(servers),
        postgres: POSTGRES_BACKENDS,
        emulator: emulator.process.pid,
        driver: 'self',
      });
      const startedAt = performance.now();
      const running = () => performance.now() - startedAt < settings.seconds * 1000;
      const [events, mints] = await Promise.all([
        streamMeetingEvents({
          zoom: emulator.zoom,
          client,
          account,
          workers: settings.streamWorkers,
          running,
        }),
        mintContinuously({
          client,
          authorization: first.authorization,
          meetingIds: pmis,
          workers: settings.mintWorkers,
          running,
        }),
      ]);
      const seconds = (performance.now() - startedAt) / 1000;
      const work = events.delivered.length + mints.ok + mints.failures.length;
      const { cpuMsPer, machineBusyPercent } = await cpu(work);
      await firstSync({ zoom: emulator.zoom, hostpass: first }, account.credentialId, 600_000);
      const syncSeconds = round2((performance.now() - connectedAt) / 1000);
      const [grant] = await refreshGaps(emulator.zoom);
      const params = { path: { id: account.credentialId } };
      const credential = first.client.GET('/api/v2/zoom-oauth-credentials/{id}/', { params });
      const { status } = await must(credential);
      const row = {
        processes,
        seconds: round2(seconds),
        mintsPerSecond: Math.round(mints.ok / seconds),
        mint: quantiles(mints.latencies),
        mintFailures: mints.failures.length,
        webhooksPerSecond: Math.round(events.delivered.length / seconds),
        webhook: quantiles(events.latencies),
        webhooksRefused: events.refused.length,
        lost: [...client.lost.values()].reduce((sum, count) => sum + count, 0),
        syncSeconds,
        refreshes: grant?.refreshes ?? 0,
        minRefreshGapSeconds: grant?.minGapSeconds ?? null,
        status,
        cpuMsPerRequest: {
          hostpass: serversCpuMs(cpuMsPer),
          postgres: cpuMsPer.postgres ?? null,
          emulator: cpuMsPer.emulator ?? null,
          driver: cpuMsPer.driver ?? null,
        },
        machineBusyPercent,
      };
      log(
        `${processes} process(es): ${row.mintsPerSecond} mints/s, ${row.webhooksPerSecond} webhooks/s, sync ${syncSeconds} s`,
      );
      rows.push(row);
      for (const server of servers) await run.stop(server);
    }
    return { rows };
  },
  tables: (summary, fill) => ({ table: fill.table('table', summary.rows) }),
});

await main(import.meta.url, scenario);
