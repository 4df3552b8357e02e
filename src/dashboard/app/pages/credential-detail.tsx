import { useState } from 'preact/hooks';
import { type ApiClient, type ConnectLink, type Credential, unwrap } from '../api.ts';
import {
  ConfirmButton,
  credentialName,
  DetailPage,
  Empty,
  ErrorText,
  Loading,
  LogList,
  Notice,
  Section,
  StatusBadge,
  SyncBadge,
  shortId,
  Time,
  useAction,
} from '../components.tsx';
import { useLoad } from '../load.ts';
import { useLocation } from '../router.ts';
import { useSession } from '../session-context.ts';
import { NewConnectLink } from './connect-link.tsx';
import { lookUpMeetings, type MeetingsLookup, MeetingTable } from './meetings.tsx';

const CREDENTIAL_ACTIONS = [
  {
    label: 'Validate',
    busyLabel: 'Validating…',
    hint: 'Checks the grant with Zoom now and updates the status.',
    call: (api: ApiClient, id: string) =>
      api.POST('/api/v2/zoom-oauth-credentials/{id}/validate/', { params: { path: { id } } }),
    done: 'Validated: Hostpass checked the grant with Zoom just now.',
  },
  {
    label: 'Sync now',
    busyLabel: 'Starting…',
    hint: "Reads the user's (or account's) meetings again in the background.",
    call: (api: ApiClient, id: string) =>
      api.POST('/api/v2/zoom-oauth-credentials/{id}/sync-meetings/', { params: { path: { id } } }),
    done: 'Meeting sync started; the badge above follows its progress.',
  },
];

export function CredentialDetailPage({ id }: { id: string }) {
  const { api } = useSession();
  const { navigate } = useLocation();
  const byId = { params: { path: { id } } };
  const credential = useLoad(
    () => unwrap(api.GET('/api/v2/zoom-oauth-credentials/{id}/', byId)),
    id,
    {
      everyMs: 3000,
      while: (loaded) => ['not_started', 'in_progress'].includes(loaded.meeting_sync_status),
    },
  );
  const appId = credential.data?.oauth_app;
  const app = useLoad(
    () =>
      appId
        ? unwrap(api.GET('/api/v2/zoom-oauth-apps/{id}/', { params: { path: { id: appId } } }))
        : Promise.resolve(undefined),
    appId ?? '',
  );
  const logs = useLoad(
    () =>
      unwrap(
        api.GET('/api/v2/zoom-oauth-credential-logs/', {
          params: { query: { credential: id, page_size: 20 } },
        }),
      ),
    `${id}|${credential.data?.status}|${credential.data?.meeting_sync_status}`,
  );
  const meetings = useLoad<MeetingsLookup>(
    () => lookUpMeetings(api, { credential: id, page_size: 20 }),
    `${id}|${credential.data?.meeting_sync_status}`,
  );
  const [done, setDone] = useState<string | null>(null);

  return (
    <DetailPage
      back={['/credentials', 'Credentials']}
      loaded={credential}
      title={credentialName}
      badges={(loaded) => (
        <>
          <StatusBadge status={loaded.status} />
          <SyncBadge status={loaded.meeting_sync_status} />
        </>
      )}
    >
      {(loaded) => (
        <>
          {loaded.status === 'unhealthy' && (
            <Notice tone="warn">
              <strong>Why it is unhealthy: </strong>
              {loaded.status_reason ?? 'Hostpass could not use this grant.'} When the user must
              authorize again, Reconnect (below) makes the link to send; if the cause is elsewhere
              (e.g. the app's client secret), fix it and press Validate.
            </Notice>
          )}
          <Section title="Details">
            <dl class="details">
              <dt>Credential id</dt>
              <dd>
                <code>{loaded.id}</code>
              </dd>
              <dt>App</dt>
              <dd>
                <a href={`/apps/${loaded.oauth_app}`}>
                  {app.data?.client_id ?? shortId(loaded.oauth_app)}
                </a>
              </dd>
              <dt>{loaded.account_id && !loaded.user_id ? 'Authorized by' : 'Zoom user'}</dt>
              <dd>
                {loaded.zoom_user.display_name ?? '—'}
                {loaded.zoom_user.email ? (
                  <>
                    {' '}
                    (<a href={`mailto:${loaded.zoom_user.email}`}>{loaded.zoom_user.email}</a>)
                  </>
                ) : null}
              </dd>
              <dt>{loaded.account_id && !loaded.user_id ? 'Zoom account id' : 'Zoom user id'}</dt>
              <dd>
                <code>{loaded.user_id ?? loaded.account_id ?? '—'}</code>
              </dd>
              <dt>Tokens</dt>
              <dd>
                {loaded.access_token_callback_url
                  ? `Your service supplies them (${loaded.access_token_callback_url})`
                  : 'Managed by Hostpass (refreshed ahead of expiry)'}
              </dd>
              <dt>Scopes</dt>
              <dd>{loaded.scopes.length > 0 ? loaded.scopes.join(', ') : '—'}</dd>
              <dt>Connected</dt>
              <dd>
                <Time iso={loaded.created_at} />
              </dd>
            </dl>
          </Section>
          <Section title="Actions">
            {loaded.status === 'unhealthy' && <ReconnectAction credential={loaded} />}
            <div class="action-grid">
              {CREDENTIAL_ACTIONS.map((action) => (
                <CredentialAction
                  key={action.label}
                  {...action}
                  run={async () => {
                    setDone(null);
                    await unwrap(action.call(api, loaded.id));
                    await credential.reload();
                    setDone(action.done);
                  }}
                />
              ))}
              <div>
                <ConfirmButton
                  label="Delete"
                  title="Delete this credential?"
                  confirmLabel="Delete credential"
                  onConfirm={async () => {
                    await unwrap(api.DELETE('/api/v2/zoom-oauth-credentials/{id}/', byId));
                    navigate('/credentials');
                  }}
                >
                  <p>
                    Bots can no longer get tokens for this Zoom{' '}
                    {loaded.account_id && !loaded.user_id ? 'account' : 'user'}
                    's meetings. To connect it again, send a new Connect link.
                  </p>
                </ConfirmButton>
              </div>
            </div>
            {done && <Notice tone="ok">{done}</Notice>}
          </Section>
          <Section title="Meetings">
            <Loading data={meetings.data} error={meetings.error}>
              {(lookup) => (
                <MeetingTable
                  lookup={lookup}
                  emptyText="No meetings synced for this credential yet."
                />
              )}
            </Loading>
          </Section>
          <Section title="Logs" actions={<a href={`/logs?credential=${loaded.id}`}>All logs</a>}>
            <Loading data={logs.data} error={logs.error}>
              {(page) =>
                page.results.length === 0 ? (
                  <Empty title="Nothing logged for this credential yet" />
                ) : (
                  <LogList logs={page.results} />
                )
              }
            </Loading>
          </Section>
        </>
      )}
    </DetailPage>
  );
}

/**
 * Makes a Connect link for the credential's app: when its Zoom user (or an admin of its account)
 * consents again, the credential adopts the new grant and is healthy, with the same id.
 */
function ReconnectAction({ credential }: { credential: Credential }) {
  const { api } = useSession();
  const action = useAction();
  const [link, setLink] = useState<ConnectLink | null>(null);
  const who =
    credential.account_id && !credential.user_id ? 'an admin of the Zoom account' : 'the Zoom user';
  return (
    <div class="reconnect">
      <button
        type="button"
        class="primary"
        disabled={action.busy}
        onClick={() =>
          action.run(async () => {
            setLink(
              await unwrap(
                api.POST('/api/v2/zoom-connect-links/', {
                  body: {
                    oauth_app: credential.oauth_app,
                    return_url: `${window.location.origin}/credentials`,
                    expires_in_seconds: 86_400,
                    metadata: { reconnect_credential: credential.id },
                  },
                }),
              ),
            );
          })
        }
      >
        {action.busy ? 'Making a link…' : 'Reconnect'}
      </button>
      <p class="hint">
        Makes a Connect link to send to {who}. Once they consent at Zoom, this credential is healthy
        again and keeps its id.
      </p>
      <ErrorText error={action.error} />
      {link && <NewConnectLink label="Reconnect link to send" link={link} />}
    </div>
  );
}

/** One button with its explanation, and the API's answer right under it if the action fails. */
function CredentialAction(props: {
  label: string;
  busyLabel: string;
  hint: string;
  run(): Promise<void>;
}) {
  const action = useAction();
  return (
    <div>
      <button type="button" disabled={action.busy} onClick={() => action.run(props.run)}>
        {action.busy ? props.busyLabel : props.label}
      </button>
      <p class="hint">{props.hint}</p>
      <ErrorText error={action.error} />
    </div>
  );
}
