import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import {
  EVENT_DESCRIPTIONS,
  EVENT_TYPES,
  type EventType,
  isEventType,
} from '../../../events/catalog.ts';
import { type CreatedWebhookEndpoint, unwrap, type WebhookEndpoint } from '../api.ts';
import {
  Badge,
  CopyField,
  DataTable,
  Empty,
  FormActions,
  Loading,
  Notice,
  PageTitle,
  Section,
  TextField,
  Time,
  useForm,
} from '../components.tsx';
import { useLoad } from '../load.ts';
import { useSession } from '../session-context.ts';

/** The types an endpoint can subscribe to (`webhook.test` is sent on request only). */
type SubscribableType = Exclude<EventType, 'webhook.test'>;
const isSubscribable = (type: string): type is SubscribableType =>
  type !== 'webhook.test' && isEventType(type);
const SUBSCRIBABLE = EVENT_TYPES.filter(isSubscribable);

/** An endpoint's event types as the picker holds them (null: every type). */
export const subscribedTypes = (endpoint: WebhookEndpoint): SubscribableType[] | null =>
  endpoint.event_types === null ? null : endpoint.event_types.filter(isSubscribable);

/** The catalog's summaries mark field names with backticks (Markdown): shown as code here. */
function CodeSpans({ text }: { text: string }) {
  return (
    <>
      {text
        .split('`')
        .map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part))}
    </>
  );
}

/**
 * Every type (null: including types added later), or the ones ticked. An empty choice is sent as
 * is, so the API's own message shows under the picker.
 */
export function EventTypePicker(props: {
  value: SubscribableType[] | null;
  onChange(value: SubscribableType[] | null): void;
  error?: string | undefined;
}) {
  const all = props.value === null;
  const chosen = new Set<string>(props.value ?? []);
  const toggle = (type: string, on: boolean) =>
    props.onChange(SUBSCRIBABLE.filter((item) => (item === type ? on : chosen.has(item))));
  return (
    <fieldset class="choices event-types">
      <legend>Event types</legend>
      <label class="choice">
        <input
          type="checkbox"
          name="all_event_types"
          checked={all}
          onChange={(event) => props.onChange(event.currentTarget.checked ? null : [])}
        />
        <span>
          <strong>Every event type</strong>
          <span class="hint">Including types added in later versions of Hostpass.</span>
        </span>
      </label>
      {!all && (
        <div class="event-type-list">
          {SUBSCRIBABLE.map((type) => (
            <label key={type} class="choice">
              <input
                type="checkbox"
                name="event_types"
                value={type}
                checked={chosen.has(type)}
                onChange={(event) => toggle(type, event.currentTarget.checked)}
              />
              <span>
                <code>{type}</code>
                <span class="hint">
                  <CodeSpans text={EVENT_DESCRIPTIONS[type].summary} />
                </span>
              </span>
            </label>
          ))}
        </div>
      )}
      {props.error && <p class="field-error">{props.error}</p>}
    </fieldset>
  );
}

export const EndpointStatusBadge = ({ endpoint }: { endpoint: WebhookEndpoint }) =>
  endpoint.disabled ? <Badge tone="bad">disabled</Badge> : <Badge tone="ok">enabled</Badge>;

export const eventTypesLabel = (types: string[] | null) =>
  types === null ? 'every type' : types.join(', ');

export function WebhooksPage() {
  const { api } = useSession();
  const endpoints = useLoad(
    () => unwrap(api.GET('/api/v2/webhook-endpoints/', { params: { query: { page_size: 200 } } })),
    'webhook-endpoints',
  );
  const form = useForm({ url: '', description: '' });
  const [eventTypes, setEventTypes] = useState<SubscribableType[] | null>(null);
  const [created, setCreated] = useState<CreatedWebhookEndpoint | null>(null);

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setCreated(null);
    const description = form.values.description.trim();
    void form.run(async () => {
      setCreated(
        await unwrap(
          api.POST('/api/v2/webhook-endpoints/', {
            body: {
              url: form.values.url.trim(),
              ...(description && { description }),
              event_types: eventTypes,
            },
          }),
        ),
      );
      form.reset();
      setEventTypes(null);
      await endpoints.reload();
    });
  };

  return (
    <>
      <PageTitle>Webhooks</PageTitle>
      <p class="lead">
        Endpoints of your systems that Hostpass tells what happened (a credential turned unhealthy,
        a sync finished, a bot changed status), signed with{' '}
        <a href="https://www.standardwebhooks.com/" rel="noreferrer">
          Standard Webhooks
        </a>
        : verify them with any of its libraries and the endpoint's secret.
      </p>
      <Section title="Add an endpoint">
        <form class="form" onSubmit={submit} noValidate>
          <TextField
            label="URL"
            type="url"
            {...form.field('url')}
            placeholder="https://app.example.com/hooks/hostpass"
            hint="https, at a public address; redirects are not followed."
          />
          <TextField
            label="Description"
            {...form.field('description')}
            placeholder="ops pager"
            hint="Optional: what receives the events."
          />
          <EventTypePicker
            value={eventTypes}
            onChange={setEventTypes}
            error={form.error?.fields.event_types}
          />
          <FormActions state={form} label="Add endpoint" busyLabel="Adding…" primary />
        </form>
        {created && (
          <div class="result">
            <Notice tone="ok">
              Endpoint added. Give its signing secret to the receiver: it is also under the
              endpoint's page (<a href={`/webhooks/${created.id}`}>{created.url}</a>).
            </Notice>
            <CopyField label="Signing secret" value={created.secret} />
          </div>
        )}
      </Section>
      <Loading data={endpoints.data} error={endpoints.error}>
        {(page) =>
          page.results.length === 0 ? (
            <Empty title="No webhook endpoints yet">
              <p>Add one above: events are stored and sent only while an endpoint listens.</p>
            </Empty>
          ) : (
            <DataTable
              rows={page.results}
              rowKey={(endpoint) => endpoint.id}
              columns={[
                {
                  label: 'URL',
                  cell: (endpoint) => <a href={`/webhooks/${endpoint.id}`}>{endpoint.url}</a>,
                },
                { label: 'Description', cell: (endpoint) => endpoint.description },
                { label: 'Events', wide: true, cell: (e) => eventTypesLabel(e.event_types) },
                {
                  label: 'Status',
                  cell: (endpoint) => <EndpointStatusBadge endpoint={endpoint} />,
                },
                {
                  label: 'Created',
                  wide: true,
                  cell: (endpoint) => <Time iso={endpoint.created_at} />,
                },
              ]}
            />
          )
        }
      </Loading>
    </>
  );
}
