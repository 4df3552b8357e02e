import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { type Credential, type MintedTokens, type MintFailure, unwrap } from '../api.ts';
import { copyText, credentialName, ErrorText, Notice, Time, useAction } from '../components.tsx';
import { useSession } from '../session-context.ts';

/** Only the start of a token is ever shown; the whole token goes to the clipboard only. */
export const maskToken = (token: string) => `${token.slice(0, 8)}…`;

function CredentialLink({ credential }: { credential: Credential | null | undefined }) {
  if (!credential) return null;
  return (
    <a href={`/credentials/${credential.id}`}>Open the credential {credentialName(credential)}</a>
  );
}

/** A minting failure in words a person can act on, with the credential when it is the cause. */
function describeMintFailure(
  failure: MintFailure,
  credential: Credential | null | undefined,
): ComponentChildren {
  switch (failure.code) {
    case 'credential_unhealthy':
      return (
        <>
          The credential that hosts this meeting is unhealthy:{' '}
          {credential?.status_reason ?? failure.message} <CredentialLink credential={credential} />
        </>
      );
    case 'zoom_refused':
      return `Zoom refused to issue the token: ${failure.message}`;
    case 'zoom_unavailable':
      return `Zoom did not answer in time; try again in a moment. (${failure.message})`;
    case 'missing_scope':
      return (
        <>
          The Zoom app lacks a scope this token needs: {failure.message}{' '}
          <CredentialLink credential={credential} />
        </>
      );
    case 'deadline_exceeded':
      return `Hostpass gave up waiting for Zoom: ${failure.message}`;
    default:
      return failure.message;
  }
}

function CopyTokenButton({ token }: { token: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      onClick={async () => setState((await copyText(token, null)) ? 'copied' : 'failed')}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy blocked' : 'Copy'}
    </button>
  );
}

function MintResult(props: { answer: MintedTokens; credential: Credential | null | undefined }) {
  const minted = props.answer.join_token;
  const failure = props.answer.errors.join_token;
  if (minted)
    return (
      <div class="minted-token" role="status">
        <p>
          Join token <code class="masked-token">{maskToken(minted.token)}</code>{' '}
          <CopyTokenButton token={minted.token} />
        </p>
        <p class="hint">
          Expires <Time iso={minted.expires_at} />
        </p>
      </div>
    );
  return (
    <Notice tone="warn">
      {failure
        ? describeMintFailure(failure, props.credential)
        : 'Zoom gave no join token for this meeting.'}
    </Notice>
  );
}

/** Asks Hostpass for a join token for a meeting, as a bot would, and shows what came back. */
export function MintTestToken(props: {
  meetingId: number;
  credential: Credential | null | undefined;
}) {
  const { api } = useSession();
  const action = useAction();
  const [answer, setAnswer] = useState<MintedTokens | null>(null);
  const mint = () =>
    action.run(async () => {
      setAnswer(null);
      setAnswer(
        await unwrap(
          api.POST('/api/v2/zoom-tokens/', {
            body: { meeting_id: props.meetingId, kinds: ['join_token'] },
          }),
        ),
      );
    });
  return (
    <div class="test-token">
      <div class="actions">
        <button type="button" onClick={() => void mint()} disabled={action.busy}>
          {action.busy ? 'Minting…' : 'Mint a test token'}
        </button>
      </div>
      <ErrorText error={action.error} />
      {answer && <MintResult answer={answer} credential={props.credential} />}
    </div>
  );
}
