import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { unwrap, type WebhookDelivery, type WebhookEndpoint } from '../api.ts';
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
  Section,
  TextField,
  Time,
  useAction,
  useForm,
} from '../components.tsx';
import { useLoad } from '../load.ts';
import { useLocation } from '../router.ts';
import { useSession } from '../session-context.ts';
import {
  EndpointStatusBadge,
  EventTypePicker,
  eventTypesLabel,
  subscribedTypes,
} from './webhooks.tsx';

const DELIVERY_TONE = { pending: 'info', delivered: 'ok', failed: 'bad' } as const;
const TEST_OUTCOME = {
  delivered: 'delivered',
  pending: 'not delivered yet (it is retried on the schedule)',
  failed: 'not delivered',
} as const;
/** How often the log refreshes while a delivery waits for its next attempt. */
const POLL_EVERY_MS = 2000;

function RetryButton(props: { delivery: WebhookDelivery; onRetried(): Promise<void> }) {
  const { api } = useSession();
  const action = useAction();
  return (
    <>
      <button
        type="button"
        disabled={action.busy}
        aria-label={`Retry ${props.delivery.event_type} ${props.delivery.webhook_id}`}
        onClick={() =>
          void action.run(async () => {
            await unwrap(
              api.POST('/api/v2/webhook-deliveries/{id}/retry/', {
                params: { path: { id: props.delivery.id } },
              }),
            );
            await props.onRetried();
          })
        }
      >
        {action.busy ? 'Retrying…' : 'Retry'}
      </button>
      <ErrorText error={action.error} />
    </>
  );
}

/** What the endpoint answered: its status code, or why there was no answer. */
function Response({ delivery }: { delivery: WebhookDelivery }) {
  if (delivery.response_status_code !== null)
    return (
      <span title={delivery.response_body ?? undefined}>HTTP {delivery.response_status_code}</span>
    );
  return <span class="muted">{delivery.error ?? '—'}</span>;
}

function DeliveryLog(props: { deliveries: WebhookDelivery[]; onRetried(): Promise<void> }) {
  return (
    <DataTable
      rows={props.deliveries}
      rowKey={(delivery) => delivery.id}
      columns={[
        { label: 'Event', cell: (delivery) => <code>{delivery.event_type}</code> },
        {
          label: 'Webhook ID',
          wide: true,
          cell: (delivery) => <code class="webhook-id">{delivery.webhook_id}</code>,
        },
        { label: 'Attempt', cell: (delivery) => String(delivery.attempt) },
        {
          label: 'Status',
          cell: (delivery) => (
            <Badge tone={DELIVERY_TONE[delivery.status]}>{delivery.status}</Badge>
          ),
        },
        { label: 'Response', cell: (delivery) => <Response delivery={delivery} /> },
        {
          label: 'Duration',
          wide: true,
          cell: (delivery) => (delivery.duration_ms === null ? '—' : `${delivery.duration_ms} ms`),
        },
        {
          label: 'Next attempt',
          wide: true,
          cell: (delivery) =>
            delivery.next_attempt_at ? <Time iso={delivery.next_attempt_at} /> : '—',
        },
        {
          label: 'Actions',
          hiddenLabel: true,
          cell: (delivery) => <RetryButton delivery={delivery} onRetried={props.onRetried} />,
        },
      ]}
    />
  );
}

/** The signing secret: hidden until asked for; rotating shows the new one. */
function SecretPanel({ endpoint }: { endpoint: WebhookEndpoint }) {
  const { api } = useSession();
  const action = useAction();
  const [secret, setSecret] = useState<{ value: string; rotated: boolean } | null>(null);
  const byId = { params: { path: { id: endpoint.id } } };
  /** The current secret, or (rotate) a new one. */
  const show = (rotate: boolean) =>
    action.run(async () => {
      const { secret: value } = rotate
        ? await unwrap(api.POST('/api/v2/webhook-endpoints/{id}/secret/rotate/', byId))
        : await unwrap(api.GET('/api/v2/webhook-endpoints/{id}/secret/', byId));
      setSecret({ value, rotated: rotate });
    });
  return (
    <>
      <p>
        Receivers verify each delivery with this secret (<code>whsec_…</code>, as every Standard
        Webhooks library takes it). Rotating makes a new one; for 24 hours deliveries carry both
        signatures, so receivers can switch at their pace.
      </p>
      {secret && (
        <>
          {secret.rotated && (
            <Notice tone="ok">
              New secret made. The previous one keeps signing too for the next 24 hours.
            </Notice>
          )}
          <CopyField label="Signing secret" value={secret.value} />
        </>
      )}
      <ErrorText error={action.error} />
      <div class="actions">
        {!secret && (
          <button type="button" disabled={action.busy} onClick={() => void show(false)}>
            Reveal secret
          </button>
        )}
        <button type="button" disabled={action.busy} onClick={() => void show(true)}>
          Rotate secret
        </button>
      </div>
    </>
  );
}

function EditEndpointForm(props: { endpoint: WebhookEndpoint; onSaved(): Promise<void> }) {
  const { api } = useSession();
  const form = useForm({ url: props.endpoint.url, description: props.endpoint.description });
  const [eventTypes, setEventTypes] = useState(subscribedTypes(props.endpoint));
  const [saved, setSaved] = useState(false);
  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    void form.run(async () => {
      await unwrap(
        api.PATCH('/api/v2/webhook-endpoints/{id}/', {
          params: { path: { id: props.endpoint.id } },
          body: {
            url: form.values.url.trim(),
            description: form.values.description.trim(),
            event_types: eventTypes,
          },
        }),
      );
      setSaved(true);
      await props.onSaved();
    });
  };
  return (
    <form class="form" onSubmit={submit} noValidate>
      <TextField label="URL" type="url" {...form.field('url')} />
      <TextField label="Description" {...form.field('description')} />
      <EventTypePicker
        value={eventTypes}
        onChange={setEventTypes}
        error={form.error?.fields.event_types}
      />
      {saved && <Notice tone="ok">Endpoint saved.</Notice>}
      <FormActions state={form} label="Save endpoint" busyLabel="Saving…" />
    </form>
  );
}

export function WebhookDetailPage({ id }: { id: string }) {
  const { api } = useSession();
  const { navigate } = useLocation();
  const byId = { params: { path: { id } } };
  const endpoint = useLoad(() => unwrap(api.GET('/api/v2/webhook-endpoints/{id}/', byId)), id);
  // Refreshes by itself while a delivery waits for its next attempt.
  const deliveries = useLoad(
    () =>
      unwrap(
        api.GET('/api/v2/webhook-endpoints/{id}/deliveries/', {
          params: { path: { id }, query: { page_size: 50 } },
        }),
      ),
    id,
    {
      everyMs: POLL_EVERY_MS,
      while: (page) => page.results.some((delivery) => delivery.status === 'pending'),
    },
  );
  const test = useAction();
  const toggle = useAction();
  const [tested, setTested] = useState<WebhookDelivery | null>(null);

  const setDisabled = (disabled: boolean) =>
    toggle.run(async () => {
      await unwrap(api.PATCH('/api/v2/webhook-endpoints/{id}/', { ...byId, body: { disabled } }));
      await endpoint.reload();
    });

  return (
    <DetailPage
      back={['/webhooks', 'Webhooks']}
      loaded={endpoint}
      title={(loaded) => loaded.description || loaded.url}
      badges={(loaded) => <EndpointStatusBadge endpoint={loaded} />}
    >
      {(loaded) => (
        <>
          {loaded.disabled && (
            <Notice tone="warn">
              <strong>This endpoint is disabled</strong>:{' '}
              {loaded.disabled_reason ?? 'it was turned off by hand.'} Nothing is sent to it;
              enabling it again sends the events from then on, not those it missed.
              <div class="actions">
                <button
                  type="button"
                  class="primary"
                  disabled={toggle.busy}
                  onClick={() => void setDisabled(false)}
                >
                  Enable endpoint
                </button>
              </div>
            </Notice>
          )}
          <ErrorText error={toggle.error} />
          <p class="lead">
            <code>{loaded.url}</code> · {eventTypesLabel(loaded.event_types)} · added{' '}
            <Time iso={loaded.created_at} />
          </p>
          <Section title="Signing secret">
            <SecretPanel endpoint={loaded} />
          </Section>
          <Section
            title="Deliveries"
            actions={
              <button
                type="button"
                disabled={test.busy}
                onClick={() =>
                  void test.run(async () => {
                    setTested(await unwrap(api.POST('/api/v2/webhook-endpoints/{id}/test/', byId)));
                    // A failure may have disabled the endpoint: the banner then says why.
                    await Promise.all([deliveries.reload(), endpoint.reload()]);
                  })
                }
              >
                {test.busy ? 'Sending…' : 'Send test event'}
              </button>
            }
          >
            <ErrorText error={test.error} />
            {tested && (
              <Notice tone={tested.status === 'delivered' ? 'ok' : 'warn'}>
                Test event {TEST_OUTCOME[tested.status]}: <Response delivery={tested} />
                {tested.duration_ms !== null && ` in ${tested.duration_ms} ms`}.
              </Notice>
            )}
            <Loading data={deliveries.data} error={deliveries.error}>
              {(page) =>
                page.results.length === 0 ? (
                  <Empty title="No deliveries yet">
                    <p>Each event sent to this endpoint appears here, newest first.</p>
                  </Empty>
                ) : (
                  <DeliveryLog deliveries={page.results} onRetried={deliveries.reload} />
                )
              }
            </Loading>
          </Section>
          <Section title="Settings">
            <EditEndpointForm endpoint={loaded} onSaved={endpoint.reload} key={loaded.id} />
            {!loaded.disabled && (
              <div class="result">
                <p>Disabling stops deliveries; events that happen meanwhile are not sent later.</p>
                <button type="button" disabled={toggle.busy} onClick={() => void setDisabled(true)}>
                  Disable endpoint
                </button>
              </div>
            )}
          </Section>
          <Section title="Delete">
            <ConfirmButton
              label="Delete endpoint"
              title={`Delete the endpoint ${loaded.url}?`}
              confirmLabel="Delete endpoint"
              onConfirm={async () => {
                await unwrap(api.DELETE('/api/v2/webhook-endpoints/{id}/', byId));
                navigate('/webhooks');
              }}
            >
              <p>Nothing more is sent to it, and its delivery log is deleted with it.</p>
            </ConfirmButton>
          </Section>
        </>
      )}
    </DetailPage>
  );
}
