import { useState } from 'preact/hooks';
import { cursorOf, type LogEntry, unwrap } from '../api.ts';
import {
  credentialName,
  Empty,
  ErrorText,
  Loading,
  LogList,
  PageTitle,
  SelectField,
  shortId,
  useAction,
} from '../components.tsx';
import { useLoad } from '../load.ts';
import { useLocation } from '../router.ts';
import { useSession } from '../session-context.ts';

/** App logs and credential logs: `?oauth_app=` or `?credential=` picks the source and filter. */
export function LogsPage() {
  const { api } = useSession();
  const { query, navigate } = useLocation();
  const credentialFilter = query.get('credential');
  const source: 'apps' | 'credentials' =
    credentialFilter !== null || query.get('source') === 'credentials' ? 'credentials' : 'apps';
  const filter = (source === 'apps' ? query.get('oauth_app') : credentialFilter) ?? '';

  const apps = useLoad(
    () => unwrap(api.GET('/api/v2/zoom-oauth-apps/', { params: { query: { page_size: 200 } } })),
    'apps',
  );
  const credentials = useLoad(
    () =>
      unwrap(api.GET('/api/v2/zoom-oauth-credentials/', { params: { query: { page_size: 200 } } })),
    'credentials',
  );
  /** A page of the chosen logs, newest first; `cursor` (from a page's `next`) for older ones. */
  const logsPage = (cursor?: string): Promise<{ results: LogEntry[]; next: string | null }> => {
    const paging = { page_size: 50, cursor };
    return source === 'apps'
      ? unwrap(
          api.GET('/api/v2/zoom-oauth-app-logs/', {
            params: { query: { oauth_app: filter || undefined, ...paging } },
          }),
        )
      : unwrap(
          api.GET('/api/v2/zoom-oauth-credential-logs/', {
            params: { query: { credential: filter || undefined, ...paging } },
          }),
        );
  };
  const logs = useLoad(() => logsPage(), `${source}|${filter}`);
  const [more, setMore] = useState<{ key: string; entries: LogEntry[]; next: string | null }>();
  const key = `${source}|${filter}`;
  const extra = more?.key === key ? more : undefined;
  const loadMore = useAction();

  const appName = (id: string) =>
    apps.data?.results.find((app) => app.id === id)?.client_id ?? shortId(id);
  const credentialLabel = (id: string) => {
    const credential = credentials.data?.results.find((candidate) => candidate.id === id);
    return credential ? credentialName(credential) : shortId(id);
  };
  const options =
    source === 'apps'
      ? (apps.data?.results ?? []).map((app) => [app.id, app.client_id] as const)
      : (credentials.data?.results ?? []).map(
          (credential) => [credential.id, credentialName(credential)] as const,
        );
  const chooseFilter = (value: string) => {
    const param = source === 'apps' ? 'oauth_app' : 'credential';
    const all = source === 'apps' ? '/logs' : '/logs?source=credentials';
    navigate(value ? `/logs?${param}=${value}` : all, { replace: true });
  };

  return (
    <>
      <PageTitle>Logs</PageTitle>
      <p class="lead">
        Warnings, errors and changes Hostpass recorded: failed webhook signatures and secret changes
        for apps; refreshes, revocations and syncs for credentials.
      </p>
      <nav class="tabs" aria-label="Log source">
        <a class="tab" href="/logs" aria-current={source === 'apps' ? 'page' : undefined}>
          App logs
        </a>
        <a
          class="tab"
          href="/logs?source=credentials"
          aria-current={source === 'credentials' ? 'page' : undefined}
        >
          Credential logs
        </a>
      </nav>
      <div class="filters">
        <SelectField
          label={source === 'apps' ? 'App' : 'Credential'}
          value={filter}
          onChange={chooseFilter}
          options={[['', source === 'apps' ? 'All apps' : 'All credentials'], ...options]}
        />
      </div>
      <Loading data={logs.data} error={logs.error}>
        {(page) => {
          const entries = [...page.results, ...(extra?.entries ?? [])];
          const next = extra ? extra.next : page.next;
          if (entries.length === 0)
            return (
              <Empty title="Nothing logged here yet">
                <p>
                  Entries appear as Hostpass works: when Zoom calls a webhook, a token refreshes, a
                  sync runs.
                </p>
              </Empty>
            );
          return (
            <>
              <LogList
                logs={entries}
                source={(entry) =>
                  'oauth_app' in entry ? (
                    <a href={`/apps/${entry.oauth_app}`}>{appName(entry.oauth_app)}</a>
                  ) : (
                    <a href={`/credentials/${entry.credential}`}>
                      {credentialLabel(entry.credential)}
                    </a>
                  )
                }
              />
              {next && (
                <div class="actions">
                  <button
                    type="button"
                    disabled={loadMore.busy}
                    onClick={() =>
                      loadMore.run(async () => {
                        const nextPage = await logsPage(cursorOf(next));
                        setMore({
                          key,
                          entries: [...(extra?.entries ?? []), ...nextPage.results],
                          next: nextPage.next,
                        });
                      })
                    }
                  >
                    {loadMore.busy ? 'Loading…' : 'Load older entries'}
                  </button>
                  <ErrorText error={loadMore.error} />
                </div>
              )}
            </>
          );
        }}
      </Loading>
    </>
  );
}
