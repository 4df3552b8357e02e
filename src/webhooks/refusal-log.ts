/**
 * App-log lines for refused webhook requests, with a ceiling per app (in this process). The
 * webhook URL is public and needs no API key, so anyone who learns it can send forged requests as
 * fast as they like: one database row per refusal would let them fill the app's log (and the
 * disk) and bury the line an operator needs. Per app, the first `linesPerWindow` refusals of a
 * window are written as they happen; the rest are counted and written as one summary line when
 * the window ends. */
export interface RefusalLogOptions {
  write: (entry: { workspaceId: string; appId: string; message: string }) => Promise<void>;
  /** A summary line could not be written (no request is waiting on it to report the error). */
  onSummaryError: (error: unknown) => void;
  linesPerWindow?: number;
  windowMs?: number;
  now?: () => number;
}

interface AppWindow {
  startedAt: number;
  written: number;
  suppressed: number;
  latest: string;
  summary: NodeJS.Timeout | null;
}

export const DEFAULT_REFUSAL_LINES_PER_WINDOW = 10;
export const DEFAULT_REFUSAL_WINDOW_MS = 60_000;

export function createRefusalLog(options: RefusalLogOptions) {
  const linesPerWindow = options.linesPerWindow ?? DEFAULT_REFUSAL_LINES_PER_WINDOW;
  const windowMs = options.windowMs ?? DEFAULT_REFUSAL_WINDOW_MS;
  const now = options.now ?? Date.now;
  const windows = new Map<string, AppWindow>();

  function summarize(workspaceId: string, appId: string, window: AppWindow): void {
    windows.delete(appId);
    const seconds = Math.round(windowMs / 1000);
    const message =
      `Refused ${window.suppressed} more webhook request${window.suppressed === 1 ? '' : 's'} ` +
      `in ${seconds} s without a line each (at most ${linesPerWindow} lines per ${seconds} s). ` +
      `The latest: ${window.latest}`;
    options.write({ workspaceId, appId, message }).catch(options.onSummaryError);
  }

  return {
    /** Writes the line now, or counts it into the window's summary. */
    async refused(entry: { workspaceId: string; appId: string; message: string }): Promise<void> {
      const { workspaceId, appId, message } = entry;
      let window = windows.get(appId);
      if (!window || (window.summary === null && now() - window.startedAt >= windowMs)) {
        window = { startedAt: now(), written: 0, suppressed: 0, latest: '', summary: null };
        windows.set(appId, window);
      }
      if (window.written < linesPerWindow) {
        window.written += 1;
        await options.write(entry);
        return;
      }
      window.suppressed += 1;
      window.latest = message;
      if (window.summary === null) {
        const current = window;
        const dueIn = Math.max(0, current.startedAt + windowMs - now());
        // unref: a pending summary must not keep a stopping process alive.
        current.summary = setTimeout(() => summarize(workspaceId, appId, current), dueIn).unref();
      }
    },
  };
}
