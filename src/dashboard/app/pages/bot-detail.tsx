import { useRef } from 'preact/hooks';
import { type Bot, type BotStatusChange, unwrap } from '../api.ts';
import { DetailPage, Empty, Notice, Section, shortId, Time } from '../components.tsx';
import { useLoad } from '../load.ts';
import { useSession } from '../session-context.ts';
import { BotStatusBadge, latestStatus, TERMINAL_BOT_STATUSES } from './bots.tsx';

const POLL_EVERY_MS = 2000;
const POLL_FOR_MS = 60_000;

const TOKEN_LABELS: Record<string, string> = {
  join_token: 'Join token',
  third_party_recording_token: '3rd party recording token',
  zak: 'ZAK',
  obf: 'On-behalf (OBF) token',
};

function JoinPlan({ plan }: { plan: Bot['join_plan'] }) {
  if (!plan)
    return (
      <Empty title="No join plan yet">
        <p>Hostpass builds it at join time: now, or at the bot's join time.</p>
      </Empty>
    );
  return (
    <dl class="details">
      <dt>Meeting ID</dt>
      <dd>
        <code>{plan.meeting_id}</code>
      </dd>
      <dt>Tokens</dt>
      <dd>
        {plan.tokens.length > 0
          ? plan.tokens.map((kind) => TOKEN_LABELS[kind] ?? kind).join(', ')
          : 'none'}
      </dd>
      <dt>Source</dt>
      <dd>
        {plan.source}
        {plan.credential && (
          <>
            {' '}
            (<a href={`/credentials/${plan.credential}`}>credential {shortId(plan.credential)}</a>)
          </>
        )}
      </dd>
      <dt>Fallback</dt>
      <dd>{plan.fallback ?? 'none'}</dd>
    </dl>
  );
}

function StatusTimeline({ changes }: { changes: BotStatusChange[] }) {
  if (changes.length === 0) return <Empty title="No status changes yet" />;
  return (
    <ol class="logs timeline">
      {changes.map((change, index) => (
        <li key={`${change.created_at}-${index}`} class="log timeline-item">
          <span class="log-meta">
            <BotStatusBadge code={change.code} />
            {change.sub_code && <code>{change.sub_code}</code>}
            <Time iso={change.created_at} />
          </span>
          {change.message && <span class="log-message">{change.message}</span>}
        </li>
      ))}
    </ol>
  );
}

/** Still joining: no terminal status yet, and the page has not been watching for a minute. */
const stillJoining = (bot: Bot, openedAt: number) =>
  !TERMINAL_BOT_STATUSES.has(latestStatus(bot)?.code ?? '') && Date.now() - openedAt < POLL_FOR_MS;

export function BotDetailPage({ id }: { id: string }) {
  const { api } = useSession();
  const openedAt = useRef(Date.now());
  const bot = useLoad(
    () => unwrap(api.GET('/api/v1/bot/{id}/', { params: { path: { id } } })),
    id,
    {
      everyMs: POLL_EVERY_MS,
      while: (loaded) => stillJoining(loaded, openedAt.current),
    },
  );
  const watching = bot.data !== undefined && stillJoining(bot.data, openedAt.current);
  const latest = bot.data && latestStatus(bot.data);

  return (
    <DetailPage
      back={['/bots', 'Bots']}
      loaded={bot}
      title={(loaded) => loaded.bot_name}
      badges={(loaded) => <BotStatusBadge code={latestStatus(loaded)?.code} />}
    >
      {(loaded) => (
        <>
          {latest?.sub_code === 'no_bot_runtime' && (
            <Notice tone="warn">
              No bot runtime is configured, so nothing will join this meeting: this server builds
              join plans only (HOSTPASS_BOT_RUNNER=none). Set HOSTPASS_BOT_RUNNER=http and
              HOSTPASS_BOT_RUNTIME_URL to launch bots.
            </Notice>
          )}
          <p class="lead">
            <code class="meeting-url">{loaded.meeting_url}</code> · {loaded.variant.zoom} · sent{' '}
            <Time iso={loaded.created_at} />
            {loaded.join_at && (
              <>
                {' '}
                · joins <Time iso={loaded.join_at} />
              </>
            )}
            {loaded.launched_at && (
              <>
                {' '}
                · launched <Time iso={loaded.launched_at} />
              </>
            )}
          </p>
          <Section title="Join plan">
            <JoinPlan plan={loaded.join_plan} />
          </Section>
          <Section title="Status timeline">
            <p class="hint" aria-live="polite">
              {watching ? 'Joining: this timeline refreshes every 2 seconds.' : ''}
            </p>
            <StatusTimeline changes={loaded.status_changes} />
          </Section>
        </>
      )}
    </DetailPage>
  );
}
