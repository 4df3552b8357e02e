import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import {
  type ApiClient,
  ApiError,
  type Credential,
  type MeetingMapping,
  type MeetingMappings,
  type MeetingsQuery,
  unwrap,
} from '../api.ts';
import {
  Badge,
  type Column,
  credentialName,
  DataTable,
  Empty,
  FormActions,
  Notice,
  PageTitle,
  Section,
  StatusBadge,
  shortId,
  TextField,
  Time,
  useAction,
} from '../components.tsx';
import { useSession } from '../session-context.ts';
import { MintTestToken } from './test-token.tsx';

/** A server without meeting sync answers 404 for the whole endpoint: that is not "no mapping". */
export type MeetingsLookup = { available: false } | { available: true; page: MeetingMappings };

export async function lookUpMeetings(
  api: ApiClient,
  query: MeetingsQuery,
): Promise<MeetingsLookup> {
  try {
    const page = await unwrap(
      api.GET('/api/v2/zoom-meetings-to-credentials/', { params: { query } }),
    );
    return { available: true, page };
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 404) return { available: false };
    throw failure;
  }
}

const ZOOM_ID = /^\d{9,11}$/;

/** A meeting ID as people paste it: "852 1234 5678", a join link, a web-client link. */
export function parseMeetingId(input: string): string | { problem: string } {
  const text = input.trim();
  const digits = text.replace(/[\s-]/g, '');
  if (ZOOM_ID.test(digits)) return digits;
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return { problem: 'Enter a Zoom meeting ID (9 to 11 digits) or a Zoom meeting link.' };
  }
  if (/^\/my\//.test(url.pathname))
    return {
      problem:
        'Personal links (zoom.us/my/…) do not carry the meeting ID: paste the meeting ID instead.',
    };
  const fromPath = url.pathname.match(/\/(?:j|s|w|wc\/join|wc)\/(\d{9,11})(?:\/|$)/)?.[1];
  const fromQuery = url.searchParams.get('confno') ?? '';
  const id = fromPath ?? (ZOOM_ID.test(fromQuery) ? fromQuery : undefined);
  return id ?? { problem: 'This link does not contain a Zoom meeting ID (9 to 11 digits).' };
}

const SOURCE_LABELS = {
  pmi: 'Personal Meeting ID',
  scheduled: 'meeting sync',
  webhook: 'Zoom webhook',
  lookup: 'look-up at Zoom',
};

export function MeetingTable(props: {
  lookup: MeetingsLookup;
  emptyText: string;
  /** Credentials by id, to name them; without it the credential column is left out. */
  credentials?: Map<string, Credential | null>;
}) {
  if (!props.lookup.available)
    return (
      <Notice tone="info">
        Meeting lookup is not available on this server yet: this Hostpass version does not sync
        meetings.
      </Notice>
    );
  const { results } = props.lookup.page;
  if (results.length === 0) return <Empty title={props.emptyText} />;
  const { credentials } = props;
  const columns: Column<MeetingMapping>[] = [
    {
      label: 'Meeting ID',
      cell: (mapping) => (
        <>
          <code>{mapping.meeting_id}</code>
          {mapping.kind === 'webinar' && (
            <>
              {' '}
              <Badge tone="info">webinar</Badge>
            </>
          )}
        </>
      ),
    },
    { label: 'Host', cell: (mapping) => mapping.host_user_id ?? '—' },
  ];
  if (credentials)
    columns.push({
      label: 'Credential',
      cell: (mapping) => {
        const credential = credentials.get(mapping.credential);
        return (
          <>
            <a href={`/credentials/${mapping.credential}`}>
              {credential ? credentialName(credential) : shortId(mapping.credential)}
            </a>{' '}
            {credential && <StatusBadge status={credential.status} />}
          </>
        );
      },
    });
  columns.push(
    {
      label: 'Learned from',
      wide: true,
      cell: (mapping) => (mapping.source ? SOURCE_LABELS[mapping.source] : '—'),
    },
    { label: 'Synced', wide: true, cell: (mapping) => <Time iso={mapping.synced_at} /> },
  );
  return (
    <DataTable
      rows={results}
      rowKey={(mapping) => `${mapping.meeting_id}-${mapping.credential}`}
      columns={columns}
    />
  );
}

export function MeetingsPage() {
  const { api } = useSession();
  const [input, setInput] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [result, setResult] = useState<{
    meetingId: string;
    lookup: MeetingsLookup;
    credentials: Map<string, Credential | null>;
  } | null>(null);
  const action = useAction();

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const parsed = parseMeetingId(input);
    setResult(null);
    if (typeof parsed !== 'string') {
      setProblem(parsed.problem);
      return;
    }
    setProblem(undefined);
    void action.run(async () => {
      const lookup = await lookUpMeetings(api, { meeting_id: Number(parsed) });
      const ids = lookup.available
        ? [...new Set(lookup.page.results.map((row) => row.credential))]
        : [];
      const found = await Promise.all(
        ids.map((id) =>
          unwrap(
            api.GET('/api/v2/zoom-oauth-credentials/{id}/', { params: { path: { id } } }),
          ).catch(() => null),
        ),
      );
      setResult({
        meetingId: parsed,
        lookup,
        credentials: new Map(ids.map((id, index) => [id, found[index] ?? null])),
      });
    });
  };

  return (
    <>
      <PageTitle>Meetings</PageTitle>
      <p class="lead">
        Which connected Zoom user or account hosts a meeting: the credential a bot's tokens come
        from. Hostpass learns meetings by syncing each credential and from Zoom's webhooks.
      </p>
      <form class="panel form" onSubmit={submit} noValidate>
        <TextField
          label="Meeting ID or Zoom link"
          name="meeting"
          value={input}
          onInput={setInput}
          error={problem ?? action.error?.fields.meeting_id}
          placeholder="https://zoom.us/j/85212345678 or 852 1234 5678"
        />
        <FormActions state={action} label="Find the host" busyLabel="Looking up…" primary />
      </form>
      {result && (
        <Section title={`Meeting ${result.meetingId}`}>
          <MeetingTable
            lookup={result.lookup}
            credentials={result.credentials}
            emptyText="No connected credential knows this meeting yet."
          />
          {result.lookup.available && result.lookup.page.results.length > 0 && (
            <MintTestToken
              meetingId={Number(result.meetingId)}
              credential={result.credentials.get(result.lookup.page.results[0]?.credential ?? '')}
            />
          )}
          {result.lookup.available && result.lookup.page.results.length === 0 && (
            <p class="hint">
              If the host's Zoom account is connected, open its credential and press Sync now (a
              meeting created a moment ago may not be synced yet). Otherwise, connect the host with
              a Connect link from <a href="/credentials">Credentials</a>.
            </p>
          )}
        </Section>
      )}
    </>
  );
}
