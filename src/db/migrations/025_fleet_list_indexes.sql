-- Every filter of the credential list, in the list's order (created_at, id), so a filtered page
-- reads its rows from one index range however many credentials the workspace holds: without
-- them "the 10 unhealthy credentials" among 100,000 walks the whole listing index.
CREATE INDEX zoom_oauth_credentials_by_app ON zoom_oauth_credentials (workspace_id, oauth_app_id, created_at, id);
CREATE INDEX zoom_oauth_credentials_by_status ON zoom_oauth_credentials (workspace_id, status, created_at, id);
CREATE INDEX zoom_oauth_credentials_by_sync_status
  ON zoom_oauth_credentials (workspace_id, meeting_sync_status, created_at, id);
CREATE INDEX zoom_oauth_credentials_by_user ON zoom_oauth_credentials (workspace_id, zoom_user_id, created_at, id)
  WHERE app_kind = 'user_level';
CREATE INDEX zoom_oauth_credentials_by_account
  ON zoom_oauth_credentials (workspace_id, zoom_account_id, created_at, id)
  WHERE app_kind = 'account_level';
-- The mapping list filtered by credential, in created_at order (synced_at order has the pruning index).
CREATE INDEX zoom_meeting_mappings_by_credential ON zoom_meeting_mappings (credential_id, created_at, id);
