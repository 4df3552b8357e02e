import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { type OAuthApp, unwrap, type WebhookEvent, withoutBlankFields } from '../api.ts';
import {
  appKindLabel,
  Badge,
  ConfirmButton,
  CopyField,
  credentialName,
  DataTable,
  DetailPage,
  Empty,
  FormActions,
  Loading,
  LogList,
  Notice,
  Section,
  StatusBadge,
  SyncBadge,
  TextField,
  Time,
  useForm,
  ValidationBadge,
} from '../components.tsx';
import { useLoad } from '../load.ts';
import { useLocation } from '../router.ts';
import { useSession } from '../session-context.ts';
import { ConnectLinkForm } from './connect-link.tsx';

const EVENT_STATUS_TONE = { pending: 'info', processed: 'ok', failed: 'bad' } as const;

/** Recent events and where their processing stands: retries and errors are visible here. */
function WebhookEventTable({ events }: { events: WebhookEvent[] }) {
  return (
    <DataTable
      rows={events}
      rowKey={(event) => event.id}
      columns={[
        { label: 'Event', cell: (event) => <code>{event.event}</code> },
        { label: 'Received', cell: (event) => <Time iso={event.created_at} /> },
        {
          label: 'Status',
          cell: (event) => <Badge tone={EVENT_STATUS_TONE[event.status]}>{event.status}</Badge>,
        },
        { label: 'Attempts', cell: (event) => String(event.attempts) },
        {
          label: 'Error',
          cell: (event) => event.processing_error ?? '',
          wide: true,
        },
      ]}
    />
  );
}

export function AppDetailPage({ id }: { id: string }) {
  const { api } = useSession();
  const { query, navigate } = useLocation();
  // Zoom validates the URL when the developer saves it in the Marketplace: watch for it.
  const byId = { params: { path: { id } } };
  const app = useLoad(() => unwrap(api.GET('/api/v2/zoom-oauth-apps/{id}/', byId)), id, {
    everyMs: 3000,
    while: (loaded) => loaded.webhook_last_validation === null,
  });
  const credentials = useLoad(
    () =>
      unwrap(
        api.GET('/api/v2/zoom-oauth-credentials/', {
          params: { query: { oauth_app: id, page_size: 50 } },
        }),
      ),
    id,
  );
  const logs = useLoad(
    () =>
      unwrap(
        api.GET('/api/v2/zoom-oauth-app-logs/', {
          params: { query: { oauth_app: id, page_size: 20 } },
        }),
      ),
    id,
  );
  const events = useLoad(
    () =>
      unwrap(
        api.GET('/api/v2/zoom-webhook-events/', {
          params: { query: { oauth_app: id, page_size: 20 } },
        }),
      ),
    id,
  );

  return (
    <DetailPage
      back={['/apps', 'Apps']}
      loaded={app}
      title={(loaded) => loaded.client_id}
      badges={(loaded) => <span class="muted">{appKindLabel(loaded.kind)}</span>}
    >
      {(loaded) => (
        <>
          {query.get('created') && (
            <Notice tone="ok">App created. Next: paste its webhook URL into your Zoom app.</Notice>
          )}
          <Section title="Webhook">
            <CopyField
              label="Webhook URL"
              value={loaded.webhook_url}
              hint="Zoom app › Features › Access › Event Subscription › Event notification endpoint URL."
            />
            <div class="validation">
              <ValidationBadge at={loaded.webhook_last_validation} />
              {loaded.webhook_last_validation ? (
                <span>
                  Zoom validated this URL on <Time iso={loaded.webhook_last_validation} />.
                </span>
              ) : (
                <span>
                  Zoom has not validated this URL yet. Paste it into your Zoom app, add the events
                  "Meeting has been created" and "User's profile info has been updated", and save:
                  Zoom validates it then, and this page updates by itself.
                </span>
              )}
            </div>
          </Section>
          <Section title="Connect a Zoom user or account">
            <ConnectLinkForm apps={[loaded]} />
          </Section>
          <Section
            title="Credentials"
            actions={
              <a href={`/credentials?oauth_app=${loaded.id}`}>All credentials of this app</a>
            }
          >
            <Loading data={credentials.data} error={credentials.error}>
              {(page) =>
                page.results.length === 0 ? (
                  <Empty title="Nobody has connected through this app yet">
                    <p>
                      Create a Connect link above and send it to a Zoom user, or open it yourself.
                    </p>
                  </Empty>
                ) : (
                  <ul class="plain-list">
                    {page.results.map((credential) => (
                      <li key={credential.id}>
                        <a href={`/credentials/${credential.id}`}>{credentialName(credential)}</a>{' '}
                        <StatusBadge status={credential.status} />{' '}
                        <SyncBadge status={credential.meeting_sync_status} />
                      </li>
                    ))}
                  </ul>
                )
              }
            </Loading>
          </Section>
          <Section title="Secrets">
            <RotateSecretsForm app={loaded} onSaved={app.reload} />
          </Section>
          <Section title="Webhook events">
            <Loading data={events.data} error={events.error}>
              {(page) =>
                page.results.length === 0 ? (
                  <Empty title="No Zoom events yet">
                    <p>Events Zoom sends to the webhook URL appear here, newest first.</p>
                  </Empty>
                ) : (
                  <WebhookEventTable events={page.results} />
                )
              }
            </Loading>
          </Section>
          <Section title="Logs" actions={<a href={`/logs?oauth_app=${loaded.id}`}>All logs</a>}>
            <Loading data={logs.data} error={logs.error}>
              {(page) =>
                page.results.length === 0 ? (
                  <Empty title="Nothing logged for this app yet">
                    <p>Warnings (such as a failed webhook signature) and changes appear here.</p>
                  </Empty>
                ) : (
                  <LogList logs={page.results} />
                )
              }
            </Loading>
          </Section>
          <Section title="Delete">
            <p>
              Deleting the app also deletes every credential connected through it and their logs.
            </p>
            <ConfirmButton
              label="Delete app"
              title={`Delete app ${loaded.client_id}?`}
              confirmLabel="Delete app"
              onConfirm={async () => {
                await unwrap(api.DELETE('/api/v2/zoom-oauth-apps/{id}/', byId));
                navigate('/apps');
              }}
            >
              <p>
                Its credentials stop working for bots at once and Zoom's webhooks to it are refused.
                This cannot be undone.
              </p>
            </ConfirmButton>
          </Section>
        </>
      )}
    </DetailPage>
  );
}

function RotateSecretsForm(props: { app: OAuthApp; onSaved(): Promise<void> }) {
  const { api } = useSession();
  const form = useForm({ client_secret: '', webhook_secret: '' });
  const [saved, setSaved] = useState(false);

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    const client_secret = form.values.client_secret.trim();
    const webhook_secret = form.values.webhook_secret.trim();
    void form.run(async () => {
      if (!client_secret && !webhook_secret)
        throw new Error('Enter a new Client Secret or Secret Token (or both) to save.');
      await unwrap(
        api.PATCH('/api/v2/zoom-oauth-apps/{id}/', {
          params: { path: { id: props.app.id } },
          body: { client_secret, webhook_secret },
          // Only the secrets given change.
          bodySerializer: withoutBlankFields,
        }),
      );
      form.reset();
      setSaved(true);
      await props.onSaved();
    });
  };

  return (
    <form class="form" onSubmit={submit} noValidate>
      <p>
        Client Secret <code>{props.app.client_secret}</code> · Secret Token{' '}
        <code>{props.app.webhook_secret}</code> (only the last 4 characters are ever shown). After
        you regenerate one in Zoom, paste the new value here.
      </p>
      <TextField label="New Client Secret" type="password" {...form.field('client_secret')} />
      <TextField label="New Secret Token" type="password" {...form.field('webhook_secret')} />
      {saved && <Notice tone="ok">Secrets saved.</Notice>}
      <FormActions state={form} label="Save secrets" busyLabel="Saving…" />
    </form>
  );
}
