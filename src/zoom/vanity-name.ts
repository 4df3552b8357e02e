/** Zoom's vanity URL ends in `/my/{name}`: that name is what `zoom.us/my/{name}` links carry. */
export function vanityName(vanityUrl: string | undefined): string | null {
  if (!vanityUrl) return null;
  const match = /\/my\/([^/?#]+)/.exec(vanityUrl);
  return match?.[1] ? decodeURIComponent(match[1]).toLowerCase() : null;
}
