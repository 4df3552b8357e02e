import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { type Diagnosis, type DiagnosisCheck, unwrap } from '../api.ts';
import {
  Badge,
  FormActions,
  PageTitle,
  Section,
  SelectField,
  TextField,
  Time,
  useForm,
} from '../components.tsx';
import { useSession } from '../session-context.ts';

const VARIANTS = [
  ['web', 'Web bot (join token)'],
  ['native', 'Native Meeting SDK bot (also the 3rd party recording token)'],
] as const;

const CHECK_LABELS: Record<DiagnosisCheck['name'], string> = {
  link_parses: 'The link names a meeting',
  mapping_exists: 'Hostpass knows who hosts it',
  credential_healthy: "The host's credential is healthy",
  local_recording_scope: 'The grant may mint join tokens',
  zoom_reports_meeting: 'Zoom still has it, with the same host',
  host_allows_local_recording: 'The host allows local recording',
  join_token_dry_run: 'Zoom mints a join token (dry run)',
  third_party_recording_token: 'Zoom mints a 3rd party recording token',
};

const VERDICTS: Record<
  Diagnosis['verdict'],
  { tone: 'ok' | 'warn' | 'muted'; label: string; text: string }
> = {
  records_without_asking: {
    tone: 'ok',
    label: 'records without asking',
    text: 'A bot sent to this meeting gets a recording token from Hostpass and records without asking the host.',
  },
  asks_host: {
    tone: 'warn',
    label: 'asks the host',
    text: 'A bot can join, but must ask the host for permission to record. The failed checks below say why and what to do.',
  },
  cannot_tell: {
    tone: 'muted',
    label: 'cannot tell',
    text: 'Hostpass could not find out: see the failed checks below.',
  },
};

function CheckList({ checks }: { checks: DiagnosisCheck[] }) {
  return (
    <ol class="checks">
      {checks.map((check) => (
        <li
          key={check.name}
          class={`check check-${check.ok ? 'ok' : 'failed'}`}
          data-check={check.name}
        >
          <div class="check-head">
            <Badge tone={check.ok ? 'ok' : 'bad'}>{check.ok ? 'ok' : 'failed'}</Badge>{' '}
            <strong>{CHECK_LABELS[check.name]}</strong>
          </div>
          <p class="check-detail">{check.detail}</p>
          {check.fix && (
            <p class="check-fix">
              <strong>Fix:</strong> {check.fix}
            </p>
          )}
        </li>
      ))}
    </ol>
  );
}

function DiagnosisResult({ diagnosis }: { diagnosis: Diagnosis }) {
  const verdict = VERDICTS[diagnosis.verdict];
  return (
    <Section title="Diagnosis">
      <div class="verdict" role="status">
        <p>
          <Badge tone={verdict.tone}>{verdict.label}</Badge>{' '}
          {diagnosis.meeting_id !== null && (
            <>
              {diagnosis.kind === 'webinar' ? 'Webinar' : 'Meeting'}{' '}
              <code>{diagnosis.meeting_id}</code>:{' '}
            </>
          )}
          {verdict.text}
        </p>
        <p class="hint">
          Checked <Time iso={diagnosis.checked_at} />
          {diagnosis.credential && (
            <>
              {' '}
              with <a href={`/credentials/${diagnosis.credential}`}>the host's credential</a>
            </>
          )}
          .
        </p>
      </div>
      <CheckList checks={diagnosis.checks} />
    </Section>
  );
}

/** "Will my bot record this meeting without asking, and if not, why?" */
export function DiagnosePage() {
  const { api } = useSession();
  const [variant, setVariant] = useState<(typeof VARIANTS)[number][0]>('web');
  const [diagnosis, setDiagnosis] = useState<Diagnosis | null>(null);
  const form = useForm({ meeting_url: '' });

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void form.run(async () => {
      setDiagnosis(null);
      setDiagnosis(
        await unwrap(
          api.POST('/api/v2/zoom-meeting-diagnoses/', {
            body: { meeting_url: form.values.meeting_url.trim(), variant },
          }),
        ),
      );
    });
  };

  return (
    <>
      <PageTitle>Diagnose</PageTitle>
      <p class="lead">
        Will a bot record this meeting without asking the host, and if not, why? Paste the link your
        bot is given: Hostpass checks each thing a recording token depends on, and mints one at Zoom
        as a dry run (it is thrown away, never shown).
      </p>
      <Section title="Meeting">
        <form class="form" onSubmit={submit} noValidate>
          <TextField
            label="Zoom link or meeting ID"
            {...form.field('meeting_url')}
            placeholder="https://zoom.us/j/85212345678?pwd=… or a /w/ webinar link"
          />
          <SelectField
            label="Bot"
            value={variant}
            options={VARIANTS}
            onChange={setVariant}
            error={form.error?.fields.variant}
          />
          <FormActions state={form} label="Diagnose" busyLabel="Checking…" primary />
        </form>
      </Section>
      {diagnosis && <DiagnosisResult diagnosis={diagnosis} />}
    </>
  );
}
