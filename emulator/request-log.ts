// Counts of calls to the Zoom surface, keyed by route TEMPLATE so tests can assert e.g.
// "exactly one refresh" or "one jointoken call per bot".

export interface RecentRequest {
  method: string;
  path: string;
  status: number;
  client_id: string | null;
  at: string;
}

export interface RequestRecord extends RecentRequest {
  endpoint: string;
  grant_type: string | null;
  /** Set when the request was a successful refresh: the grant whose tokens it rotated. */
  refreshed_grant_id: string | null;
}

const RECENT_LIMIT = 500;
/** Seconds of per-second grant counts kept: two hours, a fleet bench's simulated hour and more. */
const SECONDS_LIMIT = 7200;

export function createRequestLog() {
  let total = 0;
  let byEndpoint: Record<string, number> = {};
  let byGrantType: Record<string, number> = {};
  let byClient: Record<string, number> = {};
  // By HTTP status: lets a test say "zero 429s" however many calls were made.
  let byStatus: Record<string, number> = {};
  let recent: RecentRequest[] = [];
  // Per grant type, calls per second (epoch seconds): how evenly a fleet's refreshes are spread.
  let grantSeconds: Record<string, Map<number, number>> = {};
  // When each grant was refreshed: lets a test say "at most one refresh per token lifetime" per
  // credential, which a total cannot (a storm on one grant hides in the others' quiet).
  let refreshesByGrant: Record<string, string[]> = {};

  const bump = (counts: Record<string, number>, key: string): void => {
    counts[key] = (counts[key] ?? 0) + 1;
  };

  return {
    record(entry: RequestRecord): void {
      total += 1;
      bump(byEndpoint, entry.endpoint);
      if (entry.grant_type) {
        bump(byGrantType, entry.grant_type);
        const seconds = grantSeconds[entry.grant_type] ?? new Map<number, number>();
        grantSeconds[entry.grant_type] = seconds;
        const second = Math.floor(Date.parse(entry.at) / 1000);
        seconds.set(second, (seconds.get(second) ?? 0) + 1);
        // Maps keep insertion order, and seconds arrive in order: the first key is the oldest.
        if (seconds.size > SECONDS_LIMIT) seconds.delete(seconds.keys().next().value as number);
      }
      if (entry.client_id) bump(byClient, entry.client_id);
      bump(byStatus, String(entry.status));
      if (entry.refreshed_grant_id) {
        const grantId = entry.refreshed_grant_id;
        refreshesByGrant[grantId] = [...(refreshesByGrant[grantId] ?? []), entry.at];
      }
      recent.push({
        method: entry.method,
        path: entry.path,
        status: entry.status,
        client_id: entry.client_id,
        at: entry.at,
      });
      // Trim in batches so the hot path does not copy the list on every call.
      if (recent.length > RECENT_LIMIT * 2) recent = recent.slice(-RECENT_LIMIT);
    },
    summary() {
      return {
        total,
        by_endpoint: byEndpoint,
        by_grant_type: byGrantType,
        by_client: byClient,
        by_status: byStatus,
        by_grant_type_per_second: Object.fromEntries(
          Object.entries(grantSeconds).map(([grant, seconds]) => [
            grant,
            Object.fromEntries(seconds),
          ]),
        ),
        refreshes_by_grant: refreshesByGrant,
        recent: recent.slice(-RECENT_LIMIT),
      };
    },
    reset(): void {
      total = 0;
      byEndpoint = {};
      byGrantType = {};
      byClient = {};
      byStatus = {};
      grantSeconds = {};
      refreshesByGrant = {};
      recent = [];
    },
  };
}

export type RequestLog = ReturnType<typeof createRequestLog>;
