import type { SealedColumn } from '../crypto/sealed-columns.ts';
import type { Queryable } from '../db/database.ts';
import {
  fetchCreatedAtPage,
  type KeysetPage,
  type KeysetWindow,
  SqlConditions,
} from '../db/keyset.ts';
import { tableStore } from '../db/table-store.ts';
import { uuidv7 } from '../ids.ts';

export type ZoomVariant = 'web' | 'web_4_core' | 'native';

export interface JoinPlanRecord {
  meeting_id: number;
  /** Which tokens the bot was handed (never the tokens). */
  tokens: string[];
  /** Where they came from: the caller's token URLs or Hostpass's own credentials. */
  source: 'token_urls' | 'credentials' | 'none';
  credential: string | null;
  /** Without a recording token the bot must ask the host. */
  fallback: 'ask_host_for_recording' | null;
}

export interface BotRow {
  id: string;
  workspace_id: string;
  /** The link as given, its passcode replaced (zoom/meeting-secrets.ts). */
  meeting_url: string;
  /** The link as given, sealed; null when it carries no passcode. */
  meeting_url_sealed: string | null;
  meeting_id: number | null;
  bot_name: string;
  join_at: string | null;
  metadata: Record<string, unknown>;
  variant_zoom: ZoomVariant;
  zoom_options_sealed: string | null;
  join_plan: JoinPlanRecord | null;
  /** When the bot runtime accepted the join plan; null until then (a join job retries). */
  launched_at: string | null;
  created_at: string;
}

export interface StatusChangeRow {
  bot_id: string;
  code: string;
  sub_code: string | null;
  message: string | null;
  created_at: string;
}

export const ZOOM_OPTIONS_COLUMN: SealedColumn = { table: 'bots', column: 'zoom_options_sealed' };
export const MEETING_URL_COLUMN: SealedColumn = { table: 'bots', column: 'meeting_url_sealed' };

const COLUMNS =
  'id, workspace_id, meeting_url, meeting_url_sealed, meeting_id, bot_name, join_at, metadata, variant_zoom, zoom_options_sealed, join_plan, launched_at, created_at';

export const botStoreFactory = (db: Queryable) => {
  const table = tableStore<BotRow>(db, { name: 'bots', columns: COLUMNS });
  return {
    ...table,

    insert: (
      bot: {
        id: string;
        workspaceId: string;
        meetingUrl: string;
        meetingUrlSealed: string | null;
        meetingId: number | null;
        botName: string;
        joinAt: string | null;
        metadata: Record<string, unknown>;
        variant: ZoomVariant;
        zoomOptionsSealed: string | null;
      },
      q?: Queryable,
    ) =>
      table.insert(
        {
          id: bot.id,
          workspace_id: bot.workspaceId,
          meeting_url: bot.meetingUrl,
          meeting_url_sealed: bot.meetingUrlSealed,
          meeting_id: bot.meetingId,
          bot_name: bot.botName,
          join_at: bot.joinAt,
          metadata: JSON.stringify(bot.metadata),
          variant_zoom: bot.variant,
          zoom_options_sealed: bot.zoomOptionsSealed,
        },
        q,
      ),

    list(workspaceId: string, window: KeysetWindow): Promise<KeysetPage<BotRow>> {
      const where = new SqlConditions().add('workspace_id = ?', workspaceId);
      return fetchCreatedAtPage<BotRow>(db, `SELECT ${COLUMNS} FROM bots`, where, window);
    },

    /** Links stored in clear before links were sealed (migration 012), a batch at a time. */
    async unsealedMeetingUrls(limit: number): Promise<{ id: string; meeting_url: string }[]> {
      const { rows } = await db.query<{ id: string; meeting_url: string }>(
        `SELECT id, meeting_url FROM bots
       WHERE meeting_url_sealed IS NULL AND meeting_url ~* '[?&](pwd|zak)=' LIMIT $1`,
        [limit],
      );
      return rows;
    },

    async sealMeetingUrl(id: string, meetingUrl: string, sealed: string): Promise<void> {
      await db.query(
        'UPDATE bots SET meeting_url = $2, meeting_url_sealed = $3 WHERE id = $1 AND meeting_url_sealed IS NULL',
        [id, meetingUrl, sealed],
      );
    },

    async saveJoinPlan(id: string, plan: JoinPlanRecord): Promise<void> {
      await table.updateById(id, { join_plan: JSON.stringify(plan) });
    },

    /** Records that the runtime accepted the plan; false when it already had (a duplicate launch). */
    async markLaunched(id: string): Promise<boolean> {
      const { rowCount } = await db.query(
        'UPDATE bots SET launched_at = clock_timestamp() WHERE id = $1 AND launched_at IS NULL',
        [id],
      );
      return rowCount > 0;
    },

    async addStatusChange(
      change: { botId: string; code: string; subCode?: string | null; message?: string | null },
      q: Queryable = db,
    ) {
      await q.query(
        'INSERT INTO bot_status_changes (id, bot_id, code, sub_code, message) VALUES ($1, $2, $3, $4, $5)',
        [uuidv7(), change.botId, change.code, change.subCode ?? null, change.message ?? null],
      );
    },

    async statusChanges(botIds: readonly string[], q: Queryable = db): Promise<StatusChangeRow[]> {
      if (botIds.length === 0) return [];
      const { rows } = await q.query<StatusChangeRow>(
        `SELECT bot_id, code, sub_code, message, created_at FROM bot_status_changes
       WHERE bot_id = ANY($1::uuid[]) ORDER BY seq`,
        [botIds],
      );
      return rows;
    },
  };
};

export type BotStore = ReturnType<typeof botStoreFactory>;
