// Throughput of the emulator's hottest endpoint, GET /v2/meetings/{id}/jointoken/local_recording,
// so later benchmarks know the emulator is not their bottleneck. The emulator runs in a child
// process (one Node event loop = one core); this process drives it over loopback with an undici
// keep-alive pool at fixed concurrency. Bounded: REQUESTS calls or MAX_SECONDS, whichever first.
//
//   node bench/emulator-jointoken.ts            (env: REQUESTS, CONCURRENCY, MAX_SECONDS)

import { fork } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { Pool } from 'undici';
import { startEmulator } from '../emulator/index.ts';

const REQUESTS = Number(process.env.REQUESTS ?? 50_000);
const WARMUP = 2_000;
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const MAX_SECONDS = Number(process.env.MAX_SECONDS ?? 60);
const REDIRECT_URI = 'http://127.0.0.1/callback';

interface Target {
  url: string;
  accessToken: string;
  meetingId: number;
}

/** Child: an emulator holding one account (unlimited Medium rate), user, app and meeting. */
async function serve(): Promise<void> {
  const emulator = await startEmulator({ seed: 1 });
  const { admin } = emulator;
  const account = await admin.createAccount({
    plan: 'business',
    rate_limits: { medium: { per_second: 10_000_000, per_day: null } },
  });
  const host = await admin.createUser({
    account_id: account.id,
    email: 'host@bench.test',
    role: 'owner',
  });
  const meeting = await admin.createMeeting({ host_id: host.id, waiting_room: true });
  const app = await admin.createApp({
    kind: 'user_level',
    redirect_uris: [REDIRECT_URI],
    scopes: ['meeting:read:local_recording_token'],
  });
  const tokens = await admin.connect(app, host.id, REDIRECT_URI);
  process.send?.({
    url: emulator.url,
    accessToken: tokens.access_token,
    meetingId: meeting.id,
  } satisfies Target);
  process.on('disconnect', () => void emulator.close().then(() => process.exit(0)));
}

async function drive(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [target] = (await once(child, 'message')) as [Target];
  const pool = new Pool(target.url, { connections: CONCURRENCY, pipelining: 1 });
  const path = `/v2/meetings/${target.meetingId}/jointoken/local_recording?bypass_waiting_room=true`;
  const headers = { authorization: `Bearer ${target.accessToken}` };
  const latencies: number[] = [];
  let errors = 0;

  const run = async (count: number, record: boolean, deadline: number) => {
    let issued = 0;
    const worker = async () => {
      while (issued < count && performance.now() < deadline) {
        issued += 1;
        const started = performance.now();
        const response = await pool.request({ method: 'GET', path, headers });
        await response.body.text();
        if (response.statusCode !== 200) errors += 1;
        if (record) latencies.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };

  await run(WARMUP, false, performance.now() + MAX_SECONDS * 1000);
  const started = performance.now();
  await run(REQUESTS, true, started + MAX_SECONDS * 1000);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  child.disconnect();
  await once(child, 'exit');

  latencies.sort((a, b) => a - b);
  const percentile = (p: number) =>
    Number((latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(2));
  const result = {
    benchmark: 'emulator GET /v2/meetings/{meetingId}/jointoken/local_recording',
    requests: latencies.length,
    errors,
    concurrency: CONCURRENCY,
    seconds: Number(seconds.toFixed(2)),
    requests_per_second: Math.round(latencies.length / seconds),
    latency_ms: { p50: percentile(0.5), p99: percentile(0.99) },
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `| ${new Date().toISOString().slice(0, 10)} | ${result.requests} | ${result.concurrency} | ${result.requests_per_second} | ${result.latency_ms.p50} | ${result.latency_ms.p99} | ${result.errors} | ${result.node} |`,
  );
}

await (process.argv.includes('--serve') ? serve() : drive());
