import type { Static } from 'typebox';
import type { CredentialObject } from './schemas.ts';
import type { CredentialRow } from './store.ts';

/** A credential as the API shows it (the schema is the one definition). */
export type CredentialView = Static<typeof CredentialObject>;

/** Who a credential is at Zoom, as the API says it: a user (user-level) or an account. */
export const zoomIdentity = (
  row: Pick<CredentialRow, 'app_kind' | 'zoom_user_id' | 'zoom_account_id'>,
) => ({
  user_id: row.app_kind === 'user_level' ? row.zoom_user_id : null,
  account_id: row.app_kind === 'account_level' ? row.zoom_account_id : null,
});

export function toCredentialView(row: CredentialRow): CredentialView {
  return {
    id: row.id,
    oauth_app: row.oauth_app_id,
    status: row.status,
    status_reason: row.status_reason,
    ...zoomIdentity(row),
    zoom_user: { email: row.zoom_user_email, display_name: row.zoom_user_display_name },
    access_token_callback_url: row.access_token_callback_url_display,
    scopes: row.scopes,
    meeting_sync_status: row.meeting_sync_status,
    created_at: row.created_at,
  };
}
