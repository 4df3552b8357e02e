import { createReadCache } from './cache.ts';
import type { WriteVersions } from './write-watch.ts';

export { listenForWrites } from './shared-store.ts';
export { type WriteVersions, watchWrites } from './write-watch.ts';

/**
 * The reads every token request makes, answered from memory (issue 14): the API key, a token
 * URL's liveness, and a meeting's credential (with the credential's row, its sealed access token
 * and health included). Each store is returned with those reads wrapped; every other method is
 * the store's own. Coherent as long as `versions` sees every write: on PGlite this process makes
 * them all (watchWrites); on PostgreSQL the others' come as notifications (listenForWrites).
 * Each wrapper asks only for the read it wraps, so the hot path depends on no feature's store.
 *
 * On PostgreSQL another process hears of a write a moment after its commit: a deleted API key or
 * credential, or a revoked token URL, holds on the other processes as soon as they hear of it (a
 * notification: milliseconds), and at once on the process that made the change.
 */
export function hotPathStores(versions: WriteVersions) {
  return {
    apiKeys: <S extends { findByHash: (hash: string) => Promise<unknown> }>(store: S): S => ({
      ...store,
      findByHash: createReadCache({
        versions,
        tables: ['api_keys', 'workspaces'],
        key: (hash: string) => hash,
        load: store.findByHash,
        keep: (row) => row !== undefined,
      }),
    }),
    tokenUrls: <S extends { isLive: (workspaceId: string, id: string) => Promise<unknown> }>(
      store: S,
    ): S => ({
      ...store,
      isLive: createReadCache({
        versions,
        tables: ['zoom_token_urls', 'workspaces'],
        key: (workspaceId: string, id: string) => `${workspaceId}:${id}`,
        load: store.isLive,
      }),
    }),
    syncs: <
      S extends { resolveCredential: (workspaceId: string, meetingId: number) => Promise<unknown> },
    >(
      store: S,
    ): S => ({
      ...store,
      resolveCredential: createReadCache({
        versions,
        tables: [
          'zoom_meeting_mappings',
          'zoom_oauth_credentials',
          'zoom_oauth_apps',
          'workspaces',
        ],
        key: (workspaceId: string, meetingId: number) => `${workspaceId}:${meetingId}`,
        load: store.resolveCredential,
      }),
    }),
  };
}

export type HotPathStores = ReturnType<typeof hotPathStores>;
