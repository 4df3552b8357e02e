// Where a Connect link may send the end user back to. An operator (HOSTPASS_CONNECT_RETURN_ORIGINS)
// and each app (`connect_return_origins`) can list origins; a return_url must satisfy every list
// that is set, so an app cannot widen what the operator allows.

export interface ReturnOriginRule {
  /** Who set the list, for the error message (`HOSTPASS_CONNECT_RETURN_ORIGINS`, `the app's connect_return_origins`). */
  source: string;
  origins: readonly string[];
}

/**
 * Null when `returnUrl` may be used, otherwise why not. `alwaysAllowed` is Hostpass's own origin:
 * the dashboard's Connect links come back to it.
 */
export function returnUrlRefusal(
  returnUrl: string,
  rules: readonly ReturnOriginRule[],
  alwaysAllowed: string,
): string | null {
  const origin = new URL(returnUrl).origin;
  if (origin === alwaysAllowed) return null;
  for (const rule of rules) {
    if (!rule.origins.includes(origin)) {
      return `The origin ${origin} is not allowed for Connect links: ${rule.source} allows ${rule.origins.join(', ')}.`;
    }
  }
  return null;
}
