import { startEmulator } from '../../emulator/index.ts';
import { ConfigError } from '../config.ts';
import { defaultHostpassUrl, parseHostpassUrl } from '../hostpass-url.ts';

export interface EmulatorCommandOptions {
  port: number;
  host: string;
  snapshot?: string;
  demo?: boolean;
  /** Where Hostpass runs: its Connect callback is what the demo apps allow as redirect URI. */
  hostpassUrl?: string;
}

/** `hostpass emulator`: runs the Zoom emulator in the foreground until SIGINT/SIGTERM. */
export async function runEmulatorCommand(options: EmulatorCommandOptions): Promise<void> {
  const hostpassUrl = options.hostpassUrl ?? parseHostpassUrl(defaultHostpassUrl());
  if (hostpassUrl === null)
    throw new ConfigError([
      `PUBLIC_URL must be an absolute http(s) URL (got "${process.env.PUBLIC_URL}"), or pass --hostpass-url.`,
    ]);
  const callback = `${hostpassUrl}/oauth/zoom/callback`;
  const emulator = await startEmulator({
    port: options.port,
    host: options.host,
    logger: false,
    demoData: options.demo === true,
    demoRedirectUri: callback,
    ...(options.snapshot !== undefined && { snapshotPath: options.snapshot }),
  });
  console.log(`Zoom emulator listening on ${emulator.url}`);
  console.log(
    `Point Hostpass at it with ZOOM_OAUTH_URL=${emulator.url} ZOOM_API_URL=${emulator.url}/v2`,
  );
  if (emulator.demo) {
    const { owner, member, meetings, userLevelApp, accountLevelApp } = emulator.demo;
    console.log(
      `Demo users: ${owner.email} (owner, ${owner.id}), ${member.email} (member, ${member.id})`,
    );
    for (const meeting of meetings) {
      const host = meeting.host_id === owner.id ? owner : member;
      console.log(`Demo meeting ${meeting.id}: "${meeting.topic}", hosted by ${host.email}`);
    }
    for (const app of [userLevelApp, accountLevelApp]) {
      console.log(
        `Demo ${app.kind} app: client_id=${app.client_id} client_secret=${app.client_secret} ` +
          `webhook_secret=${app.webhook_secret} redirect_uri=${app.redirect_uris[0]}`,
      );
    }
    console.log(
      `The demo apps allow Hostpass's callback at ${callback} (--hostpass-url to change it).`,
    );
  }
  console.log(`Admin API: ${emulator.url}/_emulator (see docs/emulator.md)`);
  const stop = async () => {
    await emulator.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}
