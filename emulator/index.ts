// The emulator's entry point: `startEmulator` runs an offline Zoom on loopback and returns its
// URL, a typed admin client, and `close`. Point Hostpass at it with ZOOM_OAUTH_URL={url} and
// ZOOM_API_URL={url}/v2.

import { randomInt } from 'node:crypto';
import { createAdminClient, type EmulatorAdminClient } from './admin-client.ts';
import { type DemoData, seedDemoData } from './demo-data.ts';
import { buildEmulatorServer, DEFAULT_THIRD_PARTY_RECORDING_PATH } from './server.ts';
import { loadSnapshot, saveSnapshot } from './snapshot-file.ts';

export {
  type EmulatorAdminClient,
  EmulatorAdminError,
  type RequestSummary,
} from './admin-client.ts';
export type { DemoData } from './demo-data.ts';
export type { JoinRequest, JoinResult } from './join-rules.ts';
export type { Account, App, Fault, Meeting, User, WebhookDelivery } from './model.ts';
export { urlValidationToken, zoomSignature } from './webhook-signing.ts';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seeds the PRNG behind ids, tokens and fault rates; random when omitted. */
  seed?: number;
  /** Loaded at start if the file exists; saved on close and on POST /_emulator/snapshot. */
  snapshotPath?: string;
  logger?: boolean;
  /** Default '/v2/meetings/{meetingId}/jointoken/3rd_party_recording' (Zoom's path is unconfirmed). */
  thirdPartyRecordingPath?: string;
  /** Create the demo world (see demo-data.ts) when starting without a snapshot. Tests start empty. */
  demoData?: boolean;
  /** The redirect URI the demo apps allow (default: Hostpass's callback at http://localhost:8080). */
  demoRedirectUri?: string;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:54321, no trailing slash. */
  url: string;
  close(): Promise<void>;
  admin: EmulatorAdminClient;
  /** The demo world, when `demoData` created one. */
  demo: DemoData | null;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const snapshotPath = options.snapshotPath;
  const snapshot = snapshotPath ? await loadSnapshot(snapshotPath) : undefined;
  let url = '';
  const emulator = await buildEmulatorServer({
    seed: options.seed ?? randomInt(2 ** 31),
    snapshot,
    logger: options.logger ?? false,
    thirdPartyRecordingPath: options.thirdPartyRecordingPath ?? DEFAULT_THIRD_PARTY_RECORDING_PATH,
    baseUrl: () => url,
    saveSnapshot: async (data) => {
      if (!snapshotPath) return null;
      await saveSnapshot(snapshotPath, data);
      return snapshotPath;
    },
  });
  await emulator.server.listen({ port: options.port ?? 0, host });
  const address = emulator.server.server.address();
  if (!address || typeof address === 'string')
    throw new Error('The emulator is not listening on TCP.');
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${hostPart}:${address.port}`;
  emulator.webhooks.start();
  const demo =
    options.demoData && !snapshot
      ? await seedDemoData(emulator.admin, options.demoRedirectUri)
      : null;

  let closed: Promise<void> | null = null;
  return {
    url,
    admin: createAdminClient(url),
    demo,
    close() {
      closed ??= (async () => {
        await emulator.server.close();
        await emulator.webhooks.close();
        if (snapshotPath) await saveSnapshot(snapshotPath, emulator.snapshot());
      })();
      return closed;
    },
  };
}
