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
import * as h from './harness/index.ts';

const PROCESS_COUNTS = [1, 2, 3] as const;
/** As the test: the account's Medium budget as Hostpass knows it, a short sync lease. */
const SERVER_ENV = { HOSTPASS_ZOOM_RATE_MEDIUM: '300', HOSTPASS_SYNC_LEASE_SECONDS: '3' };

export const scenario = h.defineScenario({
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
      const [first] = servers as [h.Hostpass];
      const client = roundRobin(servers.map((server) => server.process.url));
      const api: h.Hostpass['api'] = (path, init = {}) =>
        client.send(path, { ...init, headers: { authorization: first.authorization } });
      await emulator.zoom.resetRequests();
      const connectedAt = performance.now();
      const account = await scaleOutAccount(
        { zoom: emulator.zoom, hostpass: { api, client: first.client } },
        { users: settings.users, accessTokenSeconds: settings.tokenSeconds },
      );
      const pmis = account.users.map((user) => Number(user.pmi));
      const lastPmi = `/api/v2/zoom-meetings-to-credentials/?meeting_id=${pmis.at(-1)}`;
      const mapped = async () =>
        (await api(lastPmi)).body.results?.length === 1 ? true : undefined;
      await eventually(mapped, "the sync's users phase", 120_000);

      const cpu = await h.cpuMeter({
        ...h.serversCpu(servers),
        postgres: h.POSTGRES_BACKENDS,
        emulator: emulator.process.pid,
        driver: 'self',
      });
      const startedAt = performance.now();
      const running = () => performance.now() - startedAt < settings.seconds * 1000;
      const { zoom } = emulator;
      const { authorization } = first;
      const [streamWorkers, mintWorkers] = [settings.streamWorkers, settings.mintWorkers];
      const [events, mints] = await Promise.all([
        streamMeetingEvents({ zoom, client, account, workers: streamWorkers, running }),
        mintContinuously({
          client,
          authorization,
          meetingIds: pmis,
          workers: mintWorkers,
          running,
        }),
      ]);
      const seconds = (performance.now() - startedAt) / 1000;
      const work = events.delivered.length + mints.ok + mints.failures.length;
      const { cpuMsPer, machineBusyPercent } = await cpu(work);
      await firstSync({ zoom, hostpass: first }, account.credentialId, 600_000);
      const syncSeconds = h.round2((performance.now() - connectedAt) / 1000);
      const [grant] = await refreshGaps(emulator.zoom);
      const params = { path: { id: account.credentialId } };
      const credential = first.client.GET('/api/v2/zoom-oauth-credentials/{id}/', { params });
      const { status } = await h.must(credential);
      const row = {
        processes,
        seconds: h.round2(seconds),
        mintsPerSecond: Math.round(mints.ok / seconds),
        mint: h.quantiles(mints.latencies),
        mintFailures: mints.failures.length,
        webhooksPerSecond: Math.round(events.delivered.length / seconds),
        webhook: h.quantiles(events.latencies),
        webhooksRefused: events.refused.length,
        lost: [...client.lost.values()].reduce((sum, count) => sum + count, 0),
        syncSeconds,
        refreshes: grant?.refreshes ?? 0,
        minRefreshGapSeconds: grant?.minGapSeconds ?? null,
        status,
        cpuMsPerRequest: {
          hostpass: h.serversCpuMs(cpuMsPer),
          postgres: cpuMsPer.postgres ?? null,
          emulator: cpuMsPer.emulator ?? null,
          driver: cpuMsPer.driver ?? null,
        },
        machineBusyPercent,
      };
      h.log(
        `${processes} process(es): ${row.mintsPerSecond} mints/s, ${row.webhooksPerSecond} webhooks/s, sync ${syncSeconds} s`,
      );
      rows.push(row);
      for (const server of servers) await run.stop(server);
    }
    return { rows };
  },
  tables: (summary, fill) => ({ table: fill.table('table', summary.rows) }),
});

await h.main(import.meta.url, scenario);
