import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, asApiError, checkApiKey } from '../api.ts';
import { Notice, PageTitle, TextField } from '../components.tsx';

export function SignInPage(props: { onSignIn(apiKey: string): void; expired: boolean }) {
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const key = apiKey.trim().replace(/^Token\s+/i, '');
    if (!key) {
      setError('Paste an API key to sign in.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await checkApiKey(key);
      props.onSignIn(key);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 401
          ? 'Hostpass did not accept this API key. Check that you copied all of it (keys start with hp_) and that it has not been deleted.'
          : asApiError(failure).message,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="sign-in">
      <PageTitle>Sign in</PageTitle>
      {props.expired && (
        <Notice tone="warn">
          Your API key stopped working (it may have been deleted). Sign in again.
        </Notice>
      )}
      <p>
        Sign in with an API key of your workspace. The dashboard keeps it in this browser tab only
        and forgets it when you close the tab or sign out.
      </p>
      <form onSubmit={submit} noValidate>
        <TextField
          label="API key"
          name="api_key"
          type="password"
          autoComplete="current-password"
          value={apiKey}
          onInput={setApiKey}
          error={error}
          hint={
            <>
              The first key was printed on the terminal when Hostpass first started. Once signed in,
              you can make more on the API keys page.
            </>
          }
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
