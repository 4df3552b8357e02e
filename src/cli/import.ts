import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type ImportedGrant, isImportedGrant } from '../credentials/import.ts';

/** Reads an NDJSON grant file, checking every line; the first bad line is named in the error. */
export async function readGrantFile(path: string): Promise<ImportedGrant[]> {
  const grants: ImportedGrant[] = [];
  const lines = createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${path} line ${number} is not JSON.`);
    }
    if (!isImportedGrant.Check(parsed))
      throw new Error(
        `${path} line ${number} is not a grant: expected {user: {id, account_id, email?, first_name?, last_name?}, access_token, refresh_token, expires_in, scope}.`,
      );
    grants.push(parsed);
  }
  return grants;
}
