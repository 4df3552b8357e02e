/**
 * Throughput of the emulator's hottest endpoint (jointoken), alone in a child process (one core),
 * so the other scenarios know the emulator is not their bottleneck.
 */
import * as h from './harness/index.ts';

const REDIRECT_URI = 'http://127.0.0.1/callback';
/** The Medium rate the meeting sync scenario gives the emulator: the throughput to stay far above. */
const SYNC_MEDIUM_RATE = 200;

export const scenario = h.defineScenario({
  name: 'emulator-jointoken',
  options: { requests: 50_000, concurrency: 32, maxSeconds: 60, warmup: 2_000 },
  quick: { requests: 500, warmup: 100 },
  engines: [],
  build: false,
  async measure(run, settings) {
    const { zoom, process: emulator } = await run.emulator();
    const rate_limits = { medium: h.UNLIMITED };
    const account = await zoom.createAccount({ plan: 'business', rate_limits });
    const email = 'host@bench.test';
    const host = await zoom.createUser({ account_id: account.id, email, role: 'owner' });
    const meeting = await zoom.createMeeting({ host_id: host.id, waiting_room: true });
    const scopes = ['meeting:read:local_recording_token'];
    const app = await zoom.createApp({ kind: 'user_level', redirect_uris: [REDIRECT_URI], scopes });
    const { access_token: token } = await zoom.connect(app, host.id, REDIRECT_URI);
    const contender = {
      name: 'jointoken',
      pool: h.keepAlivePool(emulator.url, settings.concurrency),
      spec: h.jointokenSpec(meeting.id, token),
    };
    const { rounds } = await h.contest([contender], {
      ...settings,
      rounds: 1,
      count: settings.requests,
      cpu: { emulator: emulator.pid, driver: 'self' },
      timeLimitMs: settings.maxSeconds * 1000,
    });
    const [jointoken] = rounds.jointoken ?? [];
    if (!jointoken) throw new Error('no round measured');
    return { jointoken };
  },
  tables: (summary, fill) => ({
    table: fill.table('table', [{ ...summary, day: summary.date.slice(0, 10) }]),
  }),
  section: (summary) => ({
    timesMedium: Math.round(summary.jointoken.perSecond / SYNC_MEDIUM_RATE),
    medium: SYNC_MEDIUM_RATE,
  }),
});

await h.main(import.meta.url, scenario);
