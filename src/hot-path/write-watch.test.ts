import { describe, expect, it } from 'vitest';
import { writtenTables } from './write-watch.ts';

describe('writtenTables', () => {
  it.each([
    // The stats' flush reads `workspaces` and writes its own table: no cached answer changes.
    [
      `INSERT INTO workspace_hourly_counters AS c (workspace_id, hour, metric, count)
       SELECT u.workspace_id FROM unnest($1::uuid[]) AS u (workspace_id)
       WHERE EXISTS (SELECT 1 FROM workspaces w WHERE w.id = u.workspace_id)
       ON CONFLICT (workspace_id, hour, metric) DO UPDATE SET count = c.count + EXCLUDED.count`,
      [],
    ],
    // A data-changing CTE writes its own target too.
    [
      `WITH expired AS (DELETE FROM zoom_token_urls WHERE id IN (SELECT id FROM zoom_token_urls
         WHERE expires_at < now() FOR UPDATE SKIP LOCKED))
       INSERT INTO zoom_token_urls (id) VALUES ($1)`,
      ['zoom_token_urls'],
    ],
    [
      'UPDATE zoom_oauth_credentials c SET status = $2 FROM zoom_meeting_mappings m WHERE m.id = $1',
      ['zoom_oauth_credentials'],
    ],
    ['delete from public.api_keys WHERE id = $1', ['api_keys']],
    ['SELECT id FROM workspaces WHERE id = $1 FOR UPDATE', []],
    ['SELECT * FROM zoom_oauth_credentials c WHERE c.id = $1 FOR UPDATE OF c', []],
    ['UPDATE zoom_oauth_credentials_log SET x = 1', []],
    // Schema changes and bulk statements: every table they name.
    ['TRUNCATE api_keys, zoom_meeting_mappings', ['api_keys', 'zoom_meeting_mappings']],
    ['ALTER TABLE zoom_oauth_apps ADD COLUMN x int', ['zoom_oauth_apps']],
  ])('%s', (text, tables) => {
    expect(writtenTables(text).sort()).toEqual([...tables].sort());
  });
});
