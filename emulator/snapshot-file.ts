// Loading and saving the JSON snapshot file. Saves go through a temporary file and a rename, so
// a crash mid-write never leaves a truncated snapshot behind.

import { readFile, rename, writeFile } from 'node:fs/promises';
import { type EmulatorSnapshot, SNAPSHOT_VERSION } from './state.ts';

export async function loadSnapshot(path: string): Promise<EmulatorSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const snapshot = JSON.parse(text) as EmulatorSnapshot;
  if (snapshot.version !== SNAPSHOT_VERSION) {
    throw new Error(
      `Emulator snapshot ${path} has version ${snapshot.version}; expected ${SNAPSHOT_VERSION}.`,
    );
  }
  return snapshot;
}

export async function saveSnapshot(path: string, snapshot: EmulatorSnapshot): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(snapshot, null, 2)}\n`);
  await rename(temporary, path);
}
