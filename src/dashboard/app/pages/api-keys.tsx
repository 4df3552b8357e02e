import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { type ApiKey, type CreatedApiKey, unwrap } from '../api.ts';
import {
  ConfirmButton,
  CopyField,
  DataTable,
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

export function ApiKeysPage() {
  const { api, apiKey, signOut } = useSession();
  const keys = useLoad(
    () => unwrap(api.GET('/api/v2/api-keys/', { params: { query: { page_size: 200 } } })),
    'keys',
  );
  const form = useForm({ name: '' });
  const isMine = (key: ApiKey) => apiKey.startsWith(key.prefix);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setCreated(null);
    const name = form.values.name.trim();
    void form.run(async () => {
      setCreated(await unwrap(api.POST('/api/v2/api-keys/', { body: name ? { name } : {} })));
      form.reset();
      await keys.reload();
    });
  };

  return (
    <>
      <PageTitle>API keys</PageTitle>
      <p class="lead">
        Keys of this workspace. Your services send one as{' '}
        <code>Authorization: Token &lt;key&gt;</code>; Hostpass stores only a hash, so a key is
        shown once, when it is created.
      </p>
      <Section title="Create a key">
        <form class="form" onSubmit={submit} noValidate>
          <TextField
            label="Name"
            {...form.field('name')}
            placeholder="production bots"
            hint="What uses the key, so you know which one to delete later."
          />
          <FormActions state={form} label="Create key" busyLabel="Creating…" primary />
        </form>
        {created && (
          <div class="result">
            <Notice tone="warn">Copy this key now: it is shown only once.</Notice>
            <CopyField label={`New key "${created.name}"`} value={created.key} />
          </div>
        )}
      </Section>
      <Loading data={keys.data} error={keys.error}>
        {(page) => (
          <DataTable
            rows={page.results}
            rowKey={(key) => key.id}
            columns={[
              {
                label: 'Name',
                cell: (key) => (
                  <>
                    {key.name} {isMine(key) && <span class="muted">(this browser)</span>}
                  </>
                ),
              },
              { label: 'Starts with', cell: (key) => <code>{key.prefix}…</code> },
              { label: 'Created', wide: true, cell: (key) => <Time iso={key.created_at} /> },
              {
                label: 'Actions',
                hiddenLabel: true,
                cell: (key) => (
                  <ConfirmButton
                    label="Delete"
                    title={`Delete the key "${key.name}"?`}
                    confirmLabel="Delete key"
                    onConfirm={async () => {
                      await unwrap(
                        api.DELETE('/api/v2/api-keys/{id}/', { params: { path: { id: key.id } } }),
                      );
                      if (isMine(key)) signOut();
                      else await keys.reload();
                    }}
                  >
                    <p>
                      Every service using a key starting with <code>{key.prefix}</code> gets 401
                      from now on.
                      {isMine(key) &&
                        ' This is the key you signed in with: you will be signed out.'}
                    </p>
                  </ConfirmButton>
                ),
              },
            ]}
          />
        )}
      </Loading>
    </>
  );
}
