// How `hostpass emulator --demo` learns where Hostpass runs (kept apart from the emulator, so the
// CLI can check the option without loading it).

/**
 * The Hostpass the demo apps send users back to, as Hostpass itself computes its public URL:
 * PUBLIC_URL, else http://localhost:$PORT (8080). So a shell that exported PORT for Hostpass gets
 * a matching emulator without saying it twice.
 */
export function defaultHostpassUrl(env: Record<string, string | undefined> = process.env): string {
  const publicUrl = env.PUBLIC_URL?.trim();
  if (publicUrl) return publicUrl;
  return `http://localhost:${env.PORT?.trim() || '8080'}`;
}

/** A Hostpass base URL as given on the command line: absolute http(s), no query; null if not. */
export function parseHostpassUrl(value: string): string | null {
  try {
    const url = new URL(value);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash)
      return null;
    return url.toString().replace(/\/+$/, '');
  } catch {
    return null;
  }
}
