import { startEmulator } from '../emulator/index.ts';

/** `hostpass emulator`: runs the Zoom emulator in the foreground until SIGINT/SIGTERM. */
export async function runEmulatorCommand(options: {
  port: number;
  host: string;
  snapshot?: string;
}): Promise<void> {
  const emulator = await startEmulator({
    port: options.port,
    host: options.host,
    logger: true,
    ...(options.snapshot !== undefined && { snapshotPath: options.snapshot }),
  });
  console.log(`Zoom emulator listening on ${emulator.url}`);
  console.log(
    `Point Hostpass at it with ZOOM_OAUTH_URL=${emulator.url} ZOOM_API_URL=${emulator.url}/v2`,
  );
  const stop = async () => {
    await emulator.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}
