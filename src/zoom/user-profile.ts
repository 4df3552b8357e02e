/**
 * Who a Zoom user is, for people reading the dashboard and the API: the email and display name
 * from /users/me, the users list, or a user.updated event. Zoom's answers are checked, not trusted:
 * a field that is not a non-empty string (or is absurdly long) counts as unknown.
 */
export interface ZoomUserProfile {
  email: string | null;
  displayName: string | null;
}

const MAX_LENGTH = 320; // the longest valid email address; names are far shorter

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' || trimmed.length > MAX_LENGTH ? null : trimmed;
}

/**
 * Zoom's display_name when it sends one, else "first last". From an event only the changed fields
 * come: a name part alone cannot rebuild the display name, so it stays unknown (null) then.
 */
export function zoomUserProfile(user: {
  email?: unknown;
  display_name?: unknown;
  first_name?: unknown;
  last_name?: unknown;
}): ZoomUserProfile {
  const first = text(user.first_name);
  const last = text(user.last_name);
  return {
    email: text(user.email),
    displayName: text(user.display_name) ?? (first && last ? `${first} ${last}` : null),
  };
}
