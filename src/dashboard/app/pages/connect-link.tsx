import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { type ConnectLink, type OAuthApp, unwrap } from '../api.ts';
import { CopyField, FormActions, SelectField, TextField, Time, useForm } from '../components.tsx';
import { useSession } from '../session-context.ts';

const LIFETIMES = [
  [3600, '1 hour'],
  [86_400, '1 day'],
  [7 * 86_400, '7 days'],
] as const;

/** Hostpass's hosted OAuth callback, on the same public URL as the app's webhook URL. */
export const callbackUrlOf = (app: OAuthApp) =>
  `${new URL(app.webhook_url).origin}/oauth/zoom/callback`;

/**
 * Makes a hosted "Connect Zoom" link: the end user opens it, consents at Zoom, and lands on the
 * return URL with `credential_id` (or `error`) added.
 */
export function ConnectLinkForm(props: { apps: OAuthApp[]; defaultAppId?: string | undefined }) {
  const { api } = useSession();
  const [appId, setAppId] = useState(props.defaultAppId || props.apps[0]?.id || '');
  const form = useForm({
    return_url: `${window.location.origin}/credentials`,
    expires_in_seconds: String(LIFETIMES[1][0]),
  });
  const [link, setLink] = useState<ConnectLink | null>(null);
  const app = props.apps.find((candidate) => candidate.id === appId);

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setLink(null);
    void form.run(async () => {
      setLink(
        await unwrap(
          api.POST('/api/v2/zoom-connect-links/', {
            body: {
              oauth_app: appId,
              return_url: form.values.return_url.trim(),
              expires_in_seconds: Number(form.values.expires_in_seconds),
            },
          }),
        ),
      );
    });
  };

  return (
    <form class="form" onSubmit={submit} noValidate>
      {props.apps.length > 1 && (
        <SelectField
          label="Zoom OAuth app"
          value={appId}
          onChange={setAppId}
          error={form.error?.fields.oauth_app}
          options={props.apps.map((candidate) => [
            candidate.id,
            `${candidate.client_id} (${candidate.kind === 'account_level' ? 'admin-managed' : 'user-managed'})`,
          ])}
        />
      )}
      {app && (
        <p class="hint">
          The Zoom app must list <code>{callbackUrlOf(app)}</code> as an OAuth redirect URL (Basic
          Information › OAuth Redirect URL).
        </p>
      )}
      <TextField
        label="Return URL"
        type="url"
        {...form.field('return_url')}
        hint="Where the user lands afterwards; Hostpass adds credential_id, or error and error_description."
      />
      <SelectField
        label="Link valid for"
        value={form.values.expires_in_seconds}
        onChange={form.field('expires_in_seconds').onInput}
        options={LIFETIMES.map(([seconds, label]) => [String(seconds), label])}
      />
      <FormActions state={form} label="Create Connect link" busyLabel="Creating…" primary />
      {link && <NewConnectLink label="Connect link to send" link={link} />}
    </form>
  );
}

/** A Connect link just made: copy it to send, or open it here. Its URL is shown only once. */
export function NewConnectLink(props: { label: string; link: ConnectLink }) {
  const { url, expires_at } = props.link;
  if (!url) return null;
  return (
    <div class="result">
      <CopyField
        label={props.label}
        value={url}
        hint={
          <>
            Makes one credential; failed attempts do not use it up. Valid until{' '}
            <Time iso={expires_at} />. Shown only now.
          </>
        }
      />
      <a class="button" href={url}>
        Open link
      </a>
    </div>
  );
}
