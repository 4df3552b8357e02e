import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { type AppKind, unwrap, withoutBlankFields } from '../api.ts';
import {
  appKindLabel,
  DataTable,
  Empty,
  FormActions,
  Loading,
  PageTitle,
  TextField,
  Time,
  useForm,
  ValidationBadge,
} from '../components.tsx';
import { useLoad } from '../load.ts';
import { useLocation } from '../router.ts';
import { useSession } from '../session-context.ts';

export function AppsPage() {
  const { api } = useSession();
  const apps = useLoad(
    () => unwrap(api.GET('/api/v2/zoom-oauth-apps/', { params: { query: { page_size: 200 } } })),
    'apps',
  );
  return (
    <>
      <div class="page-head">
        <PageTitle>Zoom OAuth apps</PageTitle>
        <a class="button primary" href="/apps/new">
          Create app
        </a>
      </div>
      <p class="lead">
        One entry per Zoom app in Zoom's App Marketplace. Hostpass keeps the grants of every Zoom
        user or account connected through it alive.
      </p>
      <Loading data={apps.data} error={apps.error}>
        {(page) =>
          page.results.length === 0 ? (
            <Empty title="No Zoom OAuth apps yet">
              <p>
                Create one with your Zoom app's Client ID and Client Secret (Basic Information) and
                its Secret Token (Features › Access).
              </p>
              <a class="button primary" href="/apps/new">
                Create your first app
              </a>
            </Empty>
          ) : (
            <DataTable
              rows={page.results}
              rowKey={(app) => app.id}
              columns={[
                {
                  label: 'Client ID',
                  cell: (app) => <a href={`/apps/${app.id}`}>{app.client_id}</a>,
                },
                { label: 'Type', cell: (app) => appKindLabel(app.kind) },
                {
                  label: 'Webhook',
                  cell: (app) => <ValidationBadge at={app.webhook_last_validation} />,
                },
                { label: 'Created', wide: true, cell: (app) => <Time iso={app.created_at} /> },
              ]}
            />
          )
        }
      </Loading>
    </>
  );
}

const KINDS: { value: AppKind; label: string; hint: string }[] = [
  {
    value: 'user_level',
    label: 'User-managed (user-level)',
    hint: 'Each Zoom user authorizes the app for themselves.',
  },
  {
    value: 'account_level',
    label: 'Admin-managed (account-level)',
    hint: 'An account owner or admin authorizes it for the whole Zoom account (needed for 3rd party recording tokens).',
  },
];

export function CreateAppPage() {
  const { api } = useSession();
  const { navigate } = useLocation();
  const [kind, setKind] = useState<AppKind>('user_level');
  const form = useForm({ client_id: '', client_secret: '', webhook_secret: '' });

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void form.run(async () => {
      const { client_id, client_secret, webhook_secret } = form.values;
      const created = await unwrap(
        api.POST('/api/v2/zoom-oauth-apps/', {
          body: {
            kind,
            client_id: client_id.trim(),
            client_secret: client_secret.trim(),
            webhook_secret: webhook_secret.trim(),
          },
          // Empty fields are left out, so the API's own "This field is required." shows beside them.
          bodySerializer: withoutBlankFields,
        }),
      );
      navigate(`/apps/${created.id}?created=1`);
    });
  };

  return (
    <>
      <p class="crumbs">
        <a href="/apps">Apps</a> ›
      </p>
      <PageTitle>Create a Zoom OAuth app</PageTitle>
      <form class="panel form" onSubmit={submit} noValidate>
        <fieldset class="choices">
          <legend>How is the Zoom app managed?</legend>
          {KINDS.map((choice) => (
            <label key={choice.value} class="choice">
              <input
                type="radio"
                name="kind"
                value={choice.value}
                checked={kind === choice.value}
                onChange={() => setKind(choice.value)}
              />
              <span>
                <strong>{choice.label}</strong>
                <span class="hint">{choice.hint}</span>
              </span>
            </label>
          ))}
          {form.error?.fields.kind && <p class="field-error">{form.error.fields.kind}</p>}
        </fieldset>
        <TextField
          label="Client ID"
          {...form.field('client_id')}
          hint="Zoom Marketplace › your app › Basic Information (App Credentials)."
        />
        <TextField
          label="Client Secret"
          type="password"
          {...form.field('client_secret')}
          hint="Same place. Stored encrypted; Hostpass only ever shows its last 4 characters."
        />
        <TextField
          label="Secret Token"
          type="password"
          {...form.field('webhook_secret')}
          hint="Features › Access: Zoom signs its webhooks with it."
        />
        <FormActions state={form} label="Create app" busyLabel="Creating…" primary>
          <a href="/apps">Cancel</a>
        </FormActions>
      </form>
    </>
  );
}
