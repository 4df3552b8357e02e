import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { EVENT_DESCRIPTIONS, EVENT_TYPES, type EventType } from '../../../events/catalog.ts';
import {
  type CreatedWebhookEndpoint,
  type Page,
  paths,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookSecret,
} from '../api.ts';
import {
  Badge,
  ConfirmButton,
  CopyField,
  DataTable,
  DetailPage,
  Empty,
  ErrorText,
  FormActions,
  Loading,
  Notice,
  PageTitle,
  Section,
  shortId,
  TextField,
  Time,
  useAction,
  useForm,
} from '../components.tsx';
import { useLoad } from '../load.ts';
import { useSession } from '../session-context.ts';

/** The types an endpoint may subscribe to (the test event goes to every endpoint). */
const SUBSCRIBABLE = EVENT_TYPES.filter((type) => type !== 'webhook.test');

/** Checkboxes of event types; none checked means every type (the API's null). */
function EventTypePicker(props: {
  selected: readonly string[];
  onChange(selected: string[]): void;
  error?: string | undefined;
}) {
  const toggle = (type: EventType, on: boolean) =>
    props.onChange(on ? [...props.selected, type] : props.selected.filter((item) => item !== type));
  return (
    <fieldset class="choices">
      <legend>Event types (none checked: every type)</legend>
      {SUBSCRIBABLE.map((type) => (
        <label key={type} class="choice">
          <input
            type="checkbox"
            name="event_types"
            value={type}
            checked={props.selected.includes(type)}
            onChange={(event) => toggle(type, event.currentTarget.checked)}
          />
          <span>
            <code>{type}</code>
            <span class="hint">{EVENT_DESCRIPTIONS[type].summary}</span>
          </span>
        </label>
      ))}
      {props.error && <p class="field-error">{props.error}</p>}
    </fieldset>
  );
}

const typesLabel = (types: string[] | null) => (types ? types.join(', ') : 'every type');

export function WebhooksPage() {
  const { api } = useSession();
  const endpoints = useLoad(
    () => api.get<Page<WebhookEndpoint>>(paths.webhookEndpoints, { page_size: 200 }),
    'endpoints',
  );
  const form = useForm({ url: '', description: '' });
  const [types, setTypes] = useState<string[]>([]);
  const [created, setCreated] = useState<CreatedWebhookEndpoint | null>(null);

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setCreated(null);
    void form.run(async () => {
      setCreated(
        await api.post<CreatedWebhookEndpoint>(paths.webhookEndpoints, {
          url: form.values.url.trim(),
          description: form.values.description.trim(),
          event_types: types.length > 0 ? types : null,
        }),
      );
      form.reset();
      setTypes([]);
      await endpoints.reload();
    });
  };

  return (
    <>
      <PageTitle>Webhooks</PageTitle>
      <p class="lead">
        Hostpass POSTs signed events (Standard Webhooks) to these endpoints when a credential turns
        unhealthy, a sync finishes, a bot changes status… Verify them with any Standard Webhooks
        library and the endpoint's secret.
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
          <TextField label="Description" {...form.field('description')} placeholder="ops pager" />
          <EventTypePicker
            selected={types}
            onChange={setTypes}
            error={form.error?.fields.event_types}
          />
          <FormActions state={form} label="Add endpoint" busyLabel="Adding…" primary />
        </form>
        {created && (
          <div class="result">
            <Notice tone="ok">
              Endpoint added. <a href={`/webhooks/${created.id}`}>Open it</a> to send a test event.
            </Notice>
            <CopyField
              label="Signing secret"
              value={created.secret}
              hint="Give it to your receiver; you can reveal it again on the endpoint's page."
            />
          </div>
        )}
      </Section>
      <Loading data={endpoints.data} error={endpoints.error}>
        {(page) =>
          page.results.length === 0 ? (
            <Empty title="No endpoints yet">
              <p>Add one above to hear about every change as it happens.</p>
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
                { label: 'Events', cell: (endpoint) => typesLabel(endpoint.event_types) },
                {
                  label: 'State',
                  cell: (endpoint) =>
                    endpoint.disabled ? (
                      <Badge tone="bad">disabled</Badge>
                    ) : (
                      <Badge tone="ok">enabled</Badge>
                    ),
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

function DeliveryStatus({ delivery }: { delivery: WebhookDelivery }) {
  const tone =
    delivery.status === 'delivered' ? 'ok' : delivery.status === 'failed' ? 'bad' : 'warn';
  return <Badge tone={tone}>{delivery.status}</Badge>;
}

function DeliveryLog({ endpointId }: { endpointId: string }) {
  const { api } = useSession();
  const deliveries = useLoad(
    () => api.get<Page<WebhookDelivery>>(paths.webhookDeliveries(endpointId), { page_size: 50 }),
    `deliveries-${endpointId}`,
    {
      everyMs: 2000,
      while: (page) => page.results.some((delivery) => delivery.status === 'pending'),
    },
  );
  const retry = useAction();
  return (
    <Section
      title="Delivery log"
      actions={
        <button type="button" onClick={() => void deliveries.reload()}>
          Refresh
        </button>
      }
    >
      <ErrorText error={retry.error} />
      <Loading data={deliveries.data} error={deliveries.error}>
        {(page) =>
          page.results.length === 0 ? (
            <Empty title="No deliveries yet">
              <p>Send a test event, or wait for the next change.</p>
            </Empty>
          ) : (
            <DataTable
              rows={page.results}
              rowKey={(delivery) => delivery.id}
              columns={[
                { label: 'Event', cell: (delivery) => <code>{delivery.event_type}</code> },
                { label: 'Status', cell: (delivery) => <DeliveryStatus delivery={delivery} /> },
                { label: 'Attempts', cell: (delivery) => delivery.attempt },
                {
                  label: 'Answer',
                  cell: (delivery) => (
                    <>
                      {delivery.response_status_code ?? '—'}
                      {delivery.duration_ms !== null && (
                        <span class="muted"> · {delivery.duration_ms} ms</span>
                      )}
                      {delivery.error && <span class="hint">{delivery.error}</span>}
                    </>
                  ),
                },
                {
                  label: 'Next attempt',
                  wide: true,
                  cell: (delivery) =>
                    delivery.next_attempt_at ? <Time iso={delivery.next_attempt_at} /> : '—',
                },
                {
                  label: 'webhook-id',
                  wide: true,
                  cell: (delivery) => <code>{delivery.webhook_id}</code>,
                },
                {
                  label: 'Actions',
                  hiddenLabel: true,
                  cell: (delivery) => (
                    <button
                      type="button"
                      disabled={retry.busy}
                      onClick={() =>
                        void retry.run(async () => {
                          await api.post(paths.retryDelivery(delivery.id));
                          await deliveries.reload();
                        })
                      }
                    >
                      Retry
                    </button>
                  ),
                },
              ]}
            />
          )
        }
      </Loading>
    </Section>
  );
}

function SecretPanel({ endpointId }: { endpointId: string }) {
  const { api } = useSession();
  const [secret, setSecret] = useState<string | null>(null);
  const action = useAction();
  const reveal = () =>
    void action.run(async () => {
      setSecret((await api.get<WebhookSecret>(paths.webhookSecret(endpointId))).secret);
    });
  const rotate = () =>
    void action.run(async () => {
      setSecret((await api.post<WebhookSecret>(paths.rotateWebhookSecret(endpointId))).secret);
    });
  return (
    <Section title="Signing secret">
      {secret ? (
        <CopyField
          label="Secret"
          value={secret}
          hint="For 24 hours after a rotation, deliveries carry the old secret's signature too."
        />
      ) : (
        <p class="hint">Hidden. Reveal it to copy it into your receiver.</p>
      )}
      <ErrorText error={action.error} />
      <div class="actions">
        {!secret && (
          <button type="button" onClick={reveal} disabled={action.busy}>
            Reveal secret
          </button>
        )}
        <button type="button" onClick={rotate} disabled={action.busy}>
          Rotate secret
        </button>
      </div>
    </Section>
  );
}

export function WebhookDetailPage({ id }: { id: string }) {
  const { api } = useSession();
  const endpoint = useLoad(() => api.get<WebhookEndpoint>(paths.webhookEndpoint(id)), id);
  const test = useAction();
  const toggle = useAction();
  const [testResult, setTestResult] = useState<WebhookDelivery | null>(null);
  const [types, setTypes] = useState<string[] | null>(null);
  const save = useAction();
  const [logKey, setLogKey] = useState(0);

  return (
    <DetailPage
      back={['/webhooks', 'Webhooks']}
      loaded={endpoint}
      title={(loaded) => loaded.description || `Endpoint ${shortId(loaded.id)}`}
      badges={(loaded) =>
        loaded.disabled ? <Badge tone="bad">disabled</Badge> : <Badge tone="ok">enabled</Badge>
      }
    >
      {(loaded) => (
        <>
          {loaded.disabled && (
            <div role="alert" class="banner">
              <Notice tone="warn">
                This endpoint is disabled: it receives no events.{' '}
                {loaded.disabled_reason ?? 'It was disabled by hand.'}
                <span class="actions">
                  <button
                    type="button"
                    class="primary"
                    disabled={toggle.busy}
                    onClick={() =>
                      void toggle.run(async () => {
                        await api.patch(paths.webhookEndpoint(id), { disabled: false });
                        await endpoint.reload();
                      })
                    }
                  >
                    Enable again
                  </button>
                </span>
              </Notice>
              <ErrorText error={toggle.error} />
            </div>
          )}
          <p class="lead">
            <code>{loaded.url}</code> · {typesLabel(loaded.event_types)} · added{' '}
            <Time iso={loaded.created_at} />
          </p>
          <SecretPanel endpointId={id} />
          <Section title="Send a test event">
            <p class="hint">Sends a signed webhook.test event to the endpoint now.</p>
            <ErrorText error={test.error} />
            <div class="actions">
              <button
                type="button"
                class="primary"
                disabled={test.busy}
                onClick={() =>
                  void test.run(async () => {
                    setTestResult(await api.post<WebhookDelivery>(paths.testWebhook(id)));
                    setLogKey((key) => key + 1);
                  })
                }
              >
                {test.busy ? 'Sending…' : 'Send test event'}
              </button>
            </div>
            {testResult && (
              <p aria-live="polite" class="test-result">
                Test event <DeliveryStatus delivery={testResult} />
                {testResult.response_status_code !== null &&
                  ` (HTTP ${testResult.response_status_code})`}
                {testResult.error && ` — ${testResult.error}`}
              </p>
            )}
          </Section>
          <Section title="Event types">
            <form
              class="form"
              noValidate
              onSubmit={(event) => {
                event.preventDefault();
                const chosen = types ?? loaded.event_types ?? [];
                void save.run(async () => {
                  await api.patch(paths.webhookEndpoint(id), {
                    event_types: chosen.length > 0 ? chosen : null,
                  });
                  setTypes(null);
                  await endpoint.reload();
                });
              }}
            >
              <EventTypePicker
                selected={types ?? loaded.event_types ?? []}
                onChange={setTypes}
                error={save.error?.fields.event_types}
              />
              <FormActions state={save} label="Save event types" busyLabel="Saving…" />
            </form>
          </Section>
          <DeliveryLog endpointId={id} key={logKey} />
          <Section title="Delete">
            <ConfirmButton
              label="Delete endpoint"
              title="Delete this endpoint?"
              confirmLabel="Delete endpoint"
              onConfirm={async () => {
                await api.delete(paths.webhookEndpoint(id));
                window.location.assign('/webhooks');
              }}
            >
              <p>It receives no more events; its delivery log goes with it.</p>
            </ConfirmButton>
          </Section>
        </>
      )}
    </DetailPage>
  );
}
