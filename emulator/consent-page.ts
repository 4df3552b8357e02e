// Zoom's authorization page, emulated: a server-rendered form (no scripts, no external assets)
// where a person picks one of the emulator's users and allows or denies the app. The form posts
// back to /oauth/authorize, which redirects to the app's redirect_uri as Zoom does.

import type { App, User } from './model.ts';

export interface ConsentPageParams {
  client_id: string;
  redirect_uri: string;
  state?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
}

const escapeHtml = (text: string): string =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}fieldset{border:1px solid #ccc;border-radius:.5rem;padding:1rem}
label{display:block;padding:.3rem 0}ul{padding-left:1.2rem}code{background:#f3f3f3;padding:0 .2rem}
button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem;border-radius:.4rem;border:1px solid #0b5cff}
button[value=allow]{background:#0b5cff;color:#fff}button[value=deny]{background:#fff;color:#0b5cff}`;

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
  `<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>` +
  `<body>${body}</body></html>`;

export function renderConsentPage(
  app: App,
  users: readonly User[],
  params: ConsentPageParams,
): string {
  const hidden = Object.entries(params)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join('');
  const choices = users
    .map(
      (user, index) =>
        `<label><input type="radio" name="user_id" value="${escapeHtml(user.id)}"${index === 0 ? ' checked' : ''}> ` +
        `${escapeHtml(user.email)} <small>(${escapeHtml(user.role)}, account ${escapeHtml(user.account_id)})</small></label>`,
    )
    .join('');
  const scopes = app.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('');
  const who =
    app.kind === 'account_level'
      ? 'This is an account-level app: only account owners and admins can authorize it.'
      : 'This is a user-level app: it acts for the user who authorizes it.';
  const body =
    `<h1>Zoom emulator: authorize app <code>${escapeHtml(app.client_id)}</code></h1>` +
    `<p>${who}</p><p>It asks for:</p><ul>${scopes}</ul>` +
    `<form method="post" action="/oauth/authorize">${hidden}` +
    (users.length > 0
      ? `<fieldset><legend>Sign in as</legend>${choices}</fieldset>`
      : '<p>No user can authorize this app: create one with <code>POST /_emulator/users</code>.</p>') +
    `<p><button type="submit" name="decision" value="allow">Allow</button>` +
    `<button type="submit" name="decision" value="deny">Deny</button></p></form>`;
  return page('Authorize app – Zoom emulator', body);
}

export function renderErrorPage(message: string): string {
  return page('Error – Zoom emulator', `<h1>Cannot authorize</h1><p>${escapeHtml(message)}</p>`);
}
