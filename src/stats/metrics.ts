import { TOKEN_KINDS } from '../zoom/token-kinds.ts';

/** What a token renewal came to: a new token, a failure to retry, or a grant that is gone. */
export const REFRESH_OUTCOMES = ['ok', 'transient_failure', 'credential_lost'] as const;
export type RefreshOutcome = (typeof REFRESH_OUTCOMES)[number];

/** Every hourly counter the Overview draws; the key of a row in workspace_hourly_counters. */
export type StatMetric =
  | `tokens_minted.${(typeof TOKEN_KINDS)[number]}`
  | `refreshes.${RefreshOutcome}`
  | 'webhooks.received'
  | 'webhooks.refused'
  | 'bot_launches';

export const STAT_METRICS: readonly StatMetric[] = [
  ...TOKEN_KINDS.map((kind) => `tokens_minted.${kind}` as const),
  ...REFRESH_OUTCOMES.map((outcome) => `refreshes.${outcome}` as const),
  'webhooks.received',
  'webhooks.refused',
  'bot_launches',
];

/**
 * What each feature's service calls where its event happens: an in-memory add, so counting
 * never adds a database round trip (or a failure) to a mint, a refresh or a webhook.
 */
export interface StatsRecorder {
  count(workspaceId: string, metric: StatMetric, by?: number): void;
}
