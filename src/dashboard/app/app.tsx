import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { DASHBOARD_SECTIONS } from '../sections.ts';
import { createApiClient } from './api.ts';
import { PageTitle } from './components.tsx';
import { ApiKeysPage } from './pages/api-keys.tsx';
import { AppDetailPage } from './pages/app-detail.tsx';
import { AppsPage, CreateAppPage } from './pages/apps.tsx';
import { BotDetailPage } from './pages/bot-detail.tsx';
import { BotsPage } from './pages/bots.tsx';
import { CredentialDetailPage } from './pages/credential-detail.tsx';
import { CredentialsPage } from './pages/credentials.tsx';
import { DiagnosePage } from './pages/diagnose.tsx';
import { LogsPage } from './pages/logs.tsx';
import { MeetingsPage } from './pages/meetings.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { WebhookDetailPage } from './pages/webhook-detail.tsx';
import { WebhooksPage } from './pages/webhooks.tsx';
import { LocationContext, useBrowserLocation } from './router.ts';
import { storeApiKey, storedApiKey } from './session.ts';
import { type Session, SessionContext } from './session-context.ts';

function route(path: string): ComponentChildren {
  const [section = '', id] = path.split('/').filter(Boolean);
  switch (section) {
    case '':
    case 'overview':
      return <OverviewPage />;
    case 'apps':
      if (id === 'new') return <CreateAppPage />;
      return id ? <AppDetailPage id={id} key={id} /> : <AppsPage />;
    case 'credentials':
      return id ? <CredentialDetailPage id={id} key={id} /> : <CredentialsPage />;
    case 'meetings':
      return <MeetingsPage />;
    case 'diagnose':
      return <DiagnosePage />;
    case 'bots':
      return id ? <BotDetailPage id={id} key={id} /> : <BotsPage />;
    case 'webhooks':
      return id ? <WebhookDetailPage id={id} key={id} /> : <WebhooksPage />;
    case 'logs':
      return <LogsPage />;
    case 'api-keys':
      return <ApiKeysPage />;
    default:
      return (
        <>
          <PageTitle>Page not found</PageTitle>
          <p>
            There is nothing at <code>{path}</code>. Go to <a href="/apps">Apps</a>.
          </p>
        </>
      );
  }
}

export function App() {
  const location = useBrowserLocation();
  const [apiKey, setApiKey] = useState(storedApiKey);
  const [expired, setExpired] = useState(false);

  const session = useMemo<Session | null>(() => {
    if (!apiKey) return null;
    const signOut = () => {
      storeApiKey(null);
      setApiKey(null);
    };
    const api = createApiClient(apiKey, () => {
      setExpired(true);
      signOut();
    });
    return { apiKey, api, signOut };
  }, [apiKey]);

  const signIn = (key: string) => {
    storeApiKey(key);
    setExpired(false);
    setApiKey(key);
  };

  const section = `/${location.path.split('/')[1] ?? ''}`;
  return (
    <LocationContext.Provider value={location}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          Hostpass
        </a>
        {session && (
          <>
            <nav aria-label="Main">
              {DASHBOARD_SECTIONS.map(({ path, label }) => (
                <a
                  key={path}
                  class="nav-link"
                  href={path}
                  aria-current={
                    section === path || (section === '/' && path === '/overview')
                      ? 'page'
                      : undefined
                  }
                >
                  {label}
                </a>
              ))}
            </nav>
            <button type="button" class="sign-out" onClick={session.signOut}>
              Sign out
            </button>
          </>
        )}
      </header>
      <main id="main">
        {session ? (
          <SessionContext.Provider value={session}>{route(location.path)}</SessionContext.Provider>
        ) : (
          <SignInPage onSignIn={signIn} expired={expired} />
        )}
      </main>
    </LocationContext.Provider>
  );
}
