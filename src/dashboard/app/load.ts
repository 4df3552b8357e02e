import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type ApiError, asApiError } from './api.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload(): Promise<void>;
}

/**
 * Loads data for a page and reloads it when `key` changes. With `pollMs`, reloads quietly while
 * `shouldPoll(data)` holds: how the dashboard watches Zoom validate a URL or a sync finish.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  key: string,
  poll?: { everyMs: number; while(data: T): boolean },
): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(load);
  latest.current = load;
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const value = await latest.current();
      if (mine !== generation.current) return;
      setData(value);
      setError(null);
    } catch (failure) {
      if (mine !== generation.current) return;
      setError(asApiError(failure));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setLoading(true);
    setData(undefined);
    void reload();
  }, [key, reload]);

  const polling = poll !== undefined && data !== undefined && poll.while(data);
  const everyMs = poll?.everyMs ?? 0;
  useEffect(() => {
    if (!polling) return;
    const timer = window.setInterval(() => void reload(), everyMs);
    return () => window.clearInterval(timer);
  }, [polling, everyMs, reload]);

  return { data, error, loading, reload };
}
