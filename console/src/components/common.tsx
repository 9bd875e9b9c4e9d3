import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { istText, STATUS_LABELS } from '../format';
import type { PayoutStatus } from '../format';

/** A time in India time; the exact UTC instant on hover and in the datetime attribute. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={`${iso} (UTC)`}>
      {istText(iso)}
    </time>
  );
}

export function StatusBadge({
  status,
  attention,
  duplicate,
}: {
  status: string;
  attention?: boolean;
  /** Two transfers of the payout succeeded: the owner was paid twice. */
  duplicate?: boolean;
}) {
  const label = STATUS_LABELS[status as PayoutStatus] ?? status;
  return (
    <span class="badges">
      <span class={`badge status-${status}`}>{label}</span>
      {duplicate ? <span class="badge duplicate">Paid twice</span> : null}
      {attention ? <span class="badge attention">Needs attention</span> : null}
    </span>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof ApiError ? error.detail : (error as Error).message;
  return (
    <p class="error-note" role="alert">
      {text}
    </p>
  );
}

/** Loads data for a key; `reload` fetches again. Stale answers (an older key) are dropped. */
export function useLoad<T>(key: string, load: () => Promise<T>) {
  const [state, setState] = useState<{ key: string; data?: T; error?: unknown; loading: boolean }>({
    key,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, key, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ key, data, loading: false }),
      (error: unknown) => live && setState({ key, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function Section({
  title,
  children,
  id,
}: {
  title: string;
  children: ComponentChildren;
  id?: string;
}) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-heading`;
  return (
    <section class="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}

export function Field({
  label,
  name,
  errors,
  hint,
  children,
}: {
  label: string;
  name: string;
  errors?: Record<string, string[]>;
  hint?: string;
  children: (props: {
    id: string;
    name: string;
    'aria-invalid'?: 'true';
    'aria-describedby'?: string;
  }) => ComponentChildren;
}) {
  const id = `f-${name}`;
  const messages = errors?.[name] ?? [];
  const describedBy = [hint ? `${id}-hint` : '', messages.length ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={`field${messages.length ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children({
        id,
        name,
        ...(messages.length ? { 'aria-invalid': 'true' as const } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {hint ? (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      ) : null}
      {messages.length ? (
        <small id={`${id}-error`} class="field-error">
          {messages.join(' ')}
        </small>
      ) : null}
    </div>
  );
}

export function IdText({ id }: { id: string }) {
  return <code class="id">{id}</code>;
}
