/**
 * The dashboard's top-level pages. The server answers index.html under these paths only (the
 * client-side router takes it from there); any other unknown path stays a JSON 404.
 */
export const DASHBOARD_SECTIONS = [
  { path: '/overview', label: 'Overview' },
  { path: '/apps', label: 'Apps' },
  { path: '/credentials', label: 'Credentials' },
  { path: '/meetings', label: 'Meetings' },
  { path: '/diagnose', label: 'Diagnose' },
  { path: '/bots', label: 'Bots' },
  { path: '/webhooks', label: 'Webhooks' },
  { path: '/logs', label: 'Logs' },
  { path: '/api-keys', label: 'API keys' },
] as const;
