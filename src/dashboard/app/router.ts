import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  query: URLSearchParams;
  navigate(to: string, options?: { replace?: boolean }): void;
}

export const LocationContext = createContext<Location | null>(null);

export function useLocation(): Location {
  const location = useContext(LocationContext);
  if (!location) throw new Error('useLocation outside LocationContext');
  return location;
}

const current = () => `${window.location.pathname}${window.location.search}`;

/**
 * History-API routing: the server answers index.html for every dashboard path, and plain
 * same-origin <a href> clicks are turned into pushState, so links stay links (middle-click,
 * keyboard, "copy link address" all work).
 */
export function useBrowserLocation(): Location {
  const [href, setHref] = useState(current);
  useEffect(() => {
    const onPopState = () => setHref(current());
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = (event.target as Element | null)?.closest?.('a');
      if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
      const url = new URL(anchor.href, window.location.href);
      if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return;
      if (url.pathname.startsWith('/docs') || url.pathname.startsWith('/oauth/')) return;
      if (url.hash && url.pathname === window.location.pathname) return;
      event.preventDefault();
      window.history.pushState(null, '', url.pathname + url.search);
      setHref(current());
      window.scrollTo(0, 0);
    };
    window.addEventListener('popstate', onPopState);
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', onPopState);
      document.removeEventListener('click', onClick);
    };
  }, []);
  const url = new URL(href, window.location.origin);
  return {
    path: url.pathname.replace(/\/+$/, '') || '/',
    query: url.searchParams,
    navigate(to, options = {}) {
      if (options.replace) window.history.replaceState(null, '', to);
      else window.history.pushState(null, '', to);
      setHref(current());
    },
  };
}
