import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { type Bot, type BotStatusChange, unwrap } from '../api.ts';
import {
  Badge,
  DataTable,
  Empty,
  FormActions,
  Loading,
  PageTitle,
  Section,
  SelectField,
  TextField,
  Time,
  useForm,
} from '../components.tsx';
import { useLoad } from '../load.ts';
import { useLocation } from '../router.ts';
import { useSession } from '../session-context.ts';

/** Statuses after which a bot's timeline no longer changes on its own while it joins. */
export const TERMINAL_BOT_STATUSES = new Set([
  'in_call_recording',
  'recording_permission_denied',
  'call_ended',
  'done',
  'fatal',
]);

export const latestStatus = (bot: Bot): BotStatusChange | undefined => bot.status_changes.at(-1);

const statusTone = (code: string) => {
  if (code === 'fatal' || code === 'recording_permission_denied') return 'bad';
  if (code === 'in_call_recording' || code === 'done') return 'ok';
  if (code === 'in_waiting_room' || code === 'in_call_not_recording') return 'warn';
  return 'info';
};

export function BotStatusBadge({ code }: { code: string | undefined }) {
  if (!code) return <Badge tone="muted">scheduled</Badge>;
  return <Badge tone={statusTone(code)}>{code}</Badge>;
}

const VARIANTS = [
  ['web', 'Web (join token)'],
  ['native', 'Native (needed for 3rd party recording tokens)'],
] as const;

function SendBotForm() {
  const { api } = useSession();
  const { navigate } = useLocation();
  const [variant, setVariant] = useState<(typeof VARIANTS)[number][0]>('web');
  const form = useForm({ meeting_url: '', bot_name: '', join_at: '' });

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void form.run(async () => {
      const { meeting_url, bot_name, join_at } = form.values;
      const created = await unwrap(
        api.POST('/api/v1/bot/', {
          body: {
            meeting_url: meeting_url.trim(),
            ...(bot_name.trim() && { bot_name: bot_name.trim() }),
            // datetime-local is the browser's local time; the API wants an ISO timestamp.
            ...(join_at && { join_at: new Date(join_at).toISOString() }),
            variant: { zoom: variant },
          },
        }),
      );
      navigate(`/bots/${created.id}`);
    });
  };

  return (
    <Section title="Send a bot">
      <form class="form" onSubmit={submit} noValidate>
        <TextField
          label="Meeting URL"
          type="url"
          {...form.field('meeting_url')}
          placeholder="https://zoom.us/j/85212345678?pwd=…"
        />
        <TextField label="Bot name" {...form.field('bot_name')} hint="Shown to participants." />
        <TextField
          label="Join time (optional)"
          type="datetime-local"
          {...form.field('join_at')}
          hint="Leave empty to join now."
        />
        <SelectField
          label="Variant"
          value={variant}
          options={VARIANTS}
          onChange={setVariant}
          error={form.error?.fields['variant.zoom']}
        />
        <FormActions state={form} label="Send bot" busyLabel="Sending…" primary />
      </form>
    </Section>
  );
}

function BotTable({ bots }: { bots: Bot[] }) {
  return (
    <DataTable
      rows={bots}
      rowKey={(bot) => bot.id}
      columns={[
        { label: 'Name', cell: (bot) => <a href={`/bots/${bot.id}`}>{bot.bot_name}</a> },
        { label: 'Meeting URL', cell: (bot) => <code class="meeting-url">{bot.meeting_url}</code> },
        { label: 'Created', wide: true, cell: (bot) => <Time iso={bot.created_at} /> },
        { label: 'Status', cell: (bot) => <BotStatusBadge code={latestStatus(bot)?.code} /> },
      ]}
    />
  );
}

export function BotsPage() {
  const { api } = useSession();
  const bots = useLoad(
    () => unwrap(api.GET('/api/v1/bot/', { params: { query: { page_size: 50 } } })),
    'bots',
  );
  return (
    <>
      <PageTitle>Bots</PageTitle>
      <p class="lead">
        Meeting bots sent through Hostpass's Create Bot API. Hostpass finds the meeting's host among
        the connected credentials, mints the bot's tokens and hands the join plan to the bot
        runtime.
      </p>
      <SendBotForm />
      <Loading data={bots.data} error={bots.error}>
        {(page) =>
          page.results.length === 0 ? (
            <Empty title="No bots yet">
              <p>
                Paste a Zoom meeting link above and press Send bot, or call{' '}
                <code>POST /api/v1/bot/</code>. The meeting's host must be connected (see{' '}
                <a href="/meetings">Meetings</a>).
              </p>
            </Empty>
          ) : (
            <Section title="Recent bots">
              <BotTable bots={page.results} />
            </Section>
          )
        }
      </Loading>
    </>
  );
}
