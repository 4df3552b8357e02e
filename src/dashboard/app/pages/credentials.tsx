import { unwrap } from '../api.ts';
import {
  chosenOption,
  credentialName,
  DataTable,
  Empty,
  Loading,
  Notice,
  PageTitle,
  Section,
  SelectField,
  StatusBadge,
  SyncBadge,
  shortId,
  Time,
} from '../components.tsx';
import { useLoad } from '../load.ts';
import { useLocation } from '../router.ts';
import { useSession } from '../session-context.ts';
import { ConnectLinkForm } from './connect-link.tsx';

const FILTERS = ['oauth_app', 'status', 'meeting_sync_status'] as const;
type Filter = (typeof FILTERS)[number];

const STATUS_OPTIONS = [
  ['', 'Any status'],
  ['healthy', 'Healthy'],
  ['unhealthy', 'Unhealthy'],
] as const;
const SYNC_OPTIONS = [
  ['', 'Any sync state'],
  ['not_started', 'Not started'],
  ['in_progress', 'Syncing'],
  ['completed', 'Synced'],
  ['failed', 'Failed'],
] as const;

/** What the hosted Connect flow appended to the return URL, told in words. */
function ConnectOutcome() {
  const { query } = useLocation();
  const credentialId = query.get('credential_id');
  const error = query.get('error');
  if (credentialId && query.get('reconnected') === 'true')
    return (
      <Notice tone="ok">
        Zoom reconnected: the credential is healthy again and kept its id.{' '}
        <a href={`/credentials/${credentialId}`}>Open the credential</a>; its meetings are syncing.
      </Notice>
    );
  if (credentialId)
    return (
      <Notice tone="ok">
        Zoom connected. <a href={`/credentials/${credentialId}`}>Open the new credential</a>; its
        meetings are syncing.
      </Notice>
    );
  if (error)
    return (
      <Notice tone="warn">
        Connecting Zoom did not finish: {query.get('error_description') ?? error}
      </Notice>
    );
  return null;
}

export function CredentialsPage() {
  const { api } = useSession();
  const { query, navigate } = useLocation();
  const filters = {
    oauth_app: query.get('oauth_app') ?? '',
    status: chosenOption(STATUS_OPTIONS, query.get('status')),
    meeting_sync_status: chosenOption(SYNC_OPTIONS, query.get('meeting_sync_status')),
  };
  const filterKey = FILTERS.map((name) => filters[name]).join('|');
  const apps = useLoad(
    () => unwrap(api.GET('/api/v2/zoom-oauth-apps/', { params: { query: { page_size: 200 } } })),
    'apps',
  );
  // Fresh credentials sync their meetings: keep the badges current while any is under way.
  const credentials = useLoad(
    () =>
      unwrap(
        api.GET('/api/v2/zoom-oauth-credentials/', {
          params: {
            query: {
              // An empty filter is no filter.
              oauth_app: filters.oauth_app || undefined,
              status: filters.status || undefined,
              meeting_sync_status: filters.meeting_sync_status || undefined,
              page_size: 200,
            },
          },
        }),
      ),
    filterKey,
    {
      everyMs: 3000,
      while: (page) =>
        page.results.some((credential) =>
          ['not_started', 'in_progress'].includes(credential.meeting_sync_status),
        ),
    },
  );

  const setFilter = (name: Filter, value: string) => {
    const next = new URLSearchParams();
    for (const filter of FILTERS) {
      const chosen = filter === name ? value : filters[filter];
      if (chosen) next.set(filter, chosen);
    }
    navigate(`/credentials${next.size > 0 ? `?${next}` : ''}`, { replace: true });
  };
  const appsById = new Map((apps.data?.results ?? []).map((app) => [app.id, app]));

  return (
    <>
      <PageTitle>Zoom OAuth credentials</PageTitle>
      <ConnectOutcome />
      <p class="lead">
        One credential per connected Zoom user (user-managed apps) or account (admin-managed apps).
      </p>
      <fieldset class="filters">
        <legend class="visually-hidden">Filters</legend>
        <SelectField
          label="App"
          value={filters.oauth_app}
          onChange={(value) => setFilter('oauth_app', value)}
          options={[
            ['', 'All apps'],
            ...(apps.data?.results ?? []).map((app) => [app.id, app.client_id] as const),
          ]}
        />
        <SelectField
          label="Status"
          value={filters.status}
          onChange={(value) => setFilter('status', value)}
          options={STATUS_OPTIONS}
        />
        <SelectField
          label="Meeting sync"
          value={filters.meeting_sync_status}
          onChange={(value) => setFilter('meeting_sync_status', value)}
          options={SYNC_OPTIONS}
        />
      </fieldset>
      <Loading data={credentials.data} error={credentials.error}>
        {(page) =>
          page.results.length === 0 ? (
            filterKey.replaceAll('|', '') ? (
              <Empty title="No credential matches these filters">
                <p>
                  <a href="/credentials">Clear the filters</a> to see every credential.
                </p>
              </Empty>
            ) : (
              <Empty title="No credentials yet">
                <p>
                  {apps.data?.results.length === 0 ? (
                    <>
                      First <a href="/apps/new">create a Zoom OAuth app</a>, then connect a Zoom
                      user with a Connect link.
                    </>
                  ) : (
                    'Create a Connect link below, send it to a Zoom user (or open it yourself), and the credential appears here.'
                  )}
                </p>
              </Empty>
            )
          ) : (
            <DataTable
              rows={page.results}
              rowKey={(credential) => credential.id}
              columns={[
                {
                  label: 'Zoom user / account',
                  cell: (credential) => (
                    <a href={`/credentials/${credential.id}`}>{credentialName(credential)}</a>
                  ),
                },
                {
                  label: 'Status',
                  cell: (credential) => <StatusBadge status={credential.status} />,
                },
                {
                  label: 'Meetings',
                  cell: (credential) => <SyncBadge status={credential.meeting_sync_status} />,
                },
                {
                  label: 'App',
                  wide: true,
                  cell: (credential) =>
                    appsById.get(credential.oauth_app)?.client_id ?? shortId(credential.oauth_app),
                },
                {
                  label: 'Created',
                  wide: true,
                  cell: (credential) => <Time iso={credential.created_at} />,
                },
              ]}
            />
          )
        }
      </Loading>
      <Loading data={apps.data} error={apps.error}>
        {(page) =>
          page.results.length > 0 && (
            <Section title="Connect a Zoom user or account">
              <ConnectLinkForm
                key={filters.oauth_app}
                apps={page.results}
                defaultAppId={filters.oauth_app}
              />
            </Section>
          )
        }
      </Loading>
    </>
  );
}
