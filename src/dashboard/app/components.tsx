import type { ComponentChildren, TargetedSubmitEvent } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import {
  type ApiError,
  asApiError,
  type Credential,
  type LogEntry,
  type SyncStatus,
} from './api.ts';

/** The page heading takes focus after navigation, so screen readers announce the new page. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <h1 tabIndex={-1} ref={heading}>
      {children}
    </h1>
  );
}

export function Section(props: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="panel" aria-label={props.title}>
      <div class="panel-head">
        <h2>{props.title}</h2>
        {props.actions}
      </div>
      {props.children}
    </section>
  );
}

interface TextFieldProps {
  label: string;
  name: string;
  value: string;
  onInput(value: string): void;
  error?: string | undefined;
  hint?: ComponentChildren;
  type?: 'text' | 'password' | 'url' | 'datetime-local';
  autoComplete?: string;
  placeholder?: string;
}

/** A labelled input whose API error sits right under it and is tied to it for assistive tech. */
export function TextField(props: TextFieldProps) {
  const id = useId();
  const described = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        // Preact types <input> per literal type; the union is fine at run time.
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete ?? 'off'}
        spellcheck={false}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={described || undefined}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  );
}

export function ErrorText({ error }: { error: ApiError | string | null | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {typeof error === 'string' ? error : error.message}
    </p>
  );
}

export function Notice(props: { tone?: 'ok' | 'info' | 'warn'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${props.tone ?? 'info'}`} role="status">
      {props.children}
    </div>
  );
}

export function Badge(props: { tone: 'ok' | 'bad' | 'warn' | 'muted' | 'info'; children: string }) {
  return <span class={`badge badge-${props.tone}`}>{props.children}</span>;
}

export const StatusBadge = ({ status }: { status: Credential['status'] }) =>
  status === 'healthy' ? <Badge tone="ok">healthy</Badge> : <Badge tone="bad">unhealthy</Badge>;

const SYNC_LABELS: Record<SyncStatus, [string, 'ok' | 'bad' | 'info' | 'muted']> = {
  not_started: ['sync not started', 'muted'],
  in_progress: ['syncing', 'info'],
  completed: ['synced', 'ok'],
  failed: ['sync failed', 'bad'],
};
export function SyncBadge({ status }: { status: SyncStatus }) {
  const [label, tone] = SYNC_LABELS[status];
  return <Badge tone={tone}>{label}</Badge>;
}

export function ValidationBadge({ at }: { at: string | null }) {
  return at ? <Badge tone="ok">validated</Badge> : <Badge tone="warn">not validated</Badge>;
}

export function Time({ iso }: { iso: string }) {
  const date = new Date(iso);
  return (
    <time dateTime={iso} title={iso}>
      {date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}
    </time>
  );
}

export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{props.title}</p>
      {props.children}
    </div>
  );
}

/** Loading and failure states of a page part; renders children only once data is there. */
export function Loading<T>(props: {
  data: T | undefined;
  error: ApiError | null;
  children(data: T): ComponentChildren;
}) {
  if (props.data !== undefined) return <>{props.children(props.data)}</>;
  if (props.error) return <ErrorText error={props.error} />;
  return (
    <p class="muted" aria-busy="true">
      Loading…
    </p>
  );
}

export async function copyText(
  text: string,
  fallbackInput: HTMLInputElement | null,
): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API refused (insecure origin, permissions): select the text instead.
    fallbackInput?.select();
    return document.execCommand('copy');
  }
}

/** A value to paste elsewhere (webhook URL, Connect link, a new key): read-only, one-click copy. */
export function CopyField(props: { label: string; value: string; hint?: ComponentChildren }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2500);
    return () => window.clearTimeout(timer);
  }, [state]);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <div class="copy-row">
        <input
          id={id}
          ref={input}
          readOnly
          value={props.value}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button
          type="button"
          onClick={async () =>
            setState((await copyText(props.value, input.current)) ? 'copied' : 'failed')
          }
        >
          {state === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p class="hint" aria-live="polite">
        {state === 'failed'
          ? 'Copying was blocked by the browser: the text is selected, press Ctrl+C.'
          : props.hint}
      </p>
    </div>
  );
}

/** Runs one action at a time and keeps its error beside the button that started it. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function run(action: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

/** Form values, the submit action, and per-field props carrying the API's error for that field. */
export function useForm<Name extends string>(initial: Record<Name, string>) {
  const [values, setValues] = useState(initial);
  const action = useAction();
  const field = (name: Name) => ({
    name,
    value: values[name],
    onInput: (value: string) => setValues((previous) => ({ ...previous, [name]: value })),
    error: action.error?.fields[name],
  });
  return { ...action, values, field, reset: () => setValues(initial) };
}

/** The error of a form's last submit, then its submit button (and any other actions). */
export function FormActions(props: {
  state: { error: ApiError | null; busy: boolean };
  label: string;
  busyLabel: string;
  primary?: boolean;
  children?: ComponentChildren;
}) {
  return (
    <>
      <ErrorText error={props.state.error} />
      <div class="actions">
        <button
          type="submit"
          class={props.primary ? 'primary' : undefined}
          disabled={props.state.busy}
        >
          {props.state.busy ? props.busyLabel : props.label}
        </button>
        {props.children}
      </div>
    </>
  );
}

type Option<Value extends string> = readonly [value: Value, label: string];

/** The option whose value `value` is (a link's query parameter, say), or '' when none is. */
export const chosenOption = <Value extends string>(
  options: readonly Option<Value>[],
  value: string | null,
): Value | '' => options.find((option) => option[0] === value)?.[0] ?? '';

/** A labelled select; `onChange` gets the chosen option's value, typed as the options are. */
export function SelectField<Value extends string>(props: {
  label: string;
  value: Value;
  options: readonly Option<Value>[];
  onChange(value: NoInfer<Value>): void;
  error?: string | undefined;
}) {
  const id = useId();
  const choose = (chosen: string) => {
    const option = props.options.find(([value]) => value === chosen);
    if (option) props.onChange(option[0]);
  };
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(event) => choose(event.currentTarget.value)}>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      {props.error && <p class="field-error">{props.error}</p>}
    </div>
  );
}

export interface Column<Row> {
  label: string;
  cell(row: Row): ComponentChildren;
  /** Left out on a narrow window. */
  wide?: boolean;
  /** Announced to screen readers only (an actions column). */
  hiddenLabel?: boolean;
}

export function DataTable<Row>(props: {
  rows: Row[];
  rowKey(row: Row): string;
  columns: Column<Row>[];
}) {
  const cellClass = (column: Column<Row>) =>
    column.wide ? 'wide-only' : column.hiddenLabel ? 'row-actions' : undefined;
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column.label} scope="col" class={cellClass(column)}>
                {column.hiddenLabel ? (
                  <span class="visually-hidden">{column.label}</span>
                ) : (
                  column.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((column) => (
                <td key={column.label} class={cellClass(column)}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A page about one thing: a link back to its list, its title and badges once loaded, then the body. */
export function DetailPage<T>(props: {
  back: [href: string, label: string];
  loaded: { data: T | undefined; error: ApiError | null };
  title(data: T): ComponentChildren;
  badges(data: T): ComponentChildren;
  children(data: T): ComponentChildren;
}) {
  return (
    <>
      <p class="crumbs">
        <a href={props.back[0]}>{props.back[1]}</a> ›
      </p>
      <Loading data={props.loaded.data} error={props.loaded.error}>
        {(data) => (
          <>
            <div class="page-head">
              <PageTitle>{props.title(data)}</PageTitle>
              {props.badges(data)}
            </div>
            {props.children(data)}
          </>
        )}
      </Loading>
    </>
  );
}

/** A destructive button that asks first, in a modal dialog (focus-trapped, Escape cancels). */
export function ConfirmButton(props: {
  label: string;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm(): Promise<void>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const action = useAction();
  const titleId = useId();
  const close = () => dialog.current?.close();
  const confirm = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void action.run(async () => {
      await props.onConfirm();
      close();
    });
  };
  return (
    <>
      <button
        type="button"
        class="danger"
        onClick={() => {
          action.setError(null);
          dialog.current?.showModal();
        }}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId}>
        <form onSubmit={confirm}>
          <h2 id={titleId}>{props.title}</h2>
          {props.children}
          <ErrorText error={action.error} />
          <div class="actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" class="danger" disabled={action.busy}>
              {action.busy ? 'Deleting…' : props.confirmLabel}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

export function LogList(props: {
  logs: LogEntry[];
  source?: (entry: LogEntry) => ComponentChildren;
}) {
  return (
    <ul class="logs">
      {props.logs.map((entry) => (
        <li key={entry.id} class={`log log-${entry.level}`}>
          <span class="log-meta">
            <Badge
              tone={entry.level === 'error' ? 'bad' : entry.level === 'warning' ? 'warn' : 'muted'}
            >
              {entry.level}
            </Badge>
            <Time iso={entry.created_at} />
            {props.source?.(entry)}
          </span>
          <span class="log-message">{entry.message}</span>
        </li>
      ))}
    </ul>
  );
}

export const shortId = (id: string) => id.slice(0, 8);

/**
 * A credential is known by the person who authorized it ("Ada Lovelace <ada@example.com>"), or,
 * before Zoom has named them, by its Zoom user (user-level) or account (account-level) id.
 */
export const credentialName = (credential: Credential) => {
  const { email, display_name: name } = credential.zoom_user;
  if (name && email) return `${name} <${email}>`;
  return name ?? email ?? credential.user_id ?? credential.account_id ?? shortId(credential.id);
};

export const appKindLabel = (kind: string) =>
  kind === 'account_level' ? 'Admin-managed (account)' : 'User-managed (user)';
