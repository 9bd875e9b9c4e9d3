import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { Field } from './common';

/**
 * A directory form: labelled fields, the API's field errors next to each field (and focus on the first),
 * the request's other errors above the button, and no second submission while one is on its way.
 */
export interface FieldSpec {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'tel';
  hint?: string;
  autoComplete?: string;
  inputMode?: 'text' | 'decimal' | 'tel' | 'email';
}

export function EntityForm({
  id,
  fields,
  initial = {},
  submitLabel,
  onSubmit,
  done,
}: {
  id: string;
  fields: FieldSpec[];
  initial?: Record<string, string>;
  submitLabel: string;
  onSubmit: (values: Record<string, string>) => Promise<unknown>;
  done?: string;
}) {
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      await onSubmit(values);
      setErrors({});
      if (done) setMessage({ kind: 'ok', text: done });
    } catch (error) {
      const api = error instanceof ApiError ? error : null;
      const fieldErrors = api?.errors ?? {};
      setErrors(fieldErrors);
      const known = Object.keys(fieldErrors).filter((k) => fields.some((f) => f.name === k));
      const other = Object.entries(fieldErrors)
        .filter(([k]) => !known.includes(k))
        .map(([k, v]) => `${k}: ${v.join(' ')}`);
      setMessage({
        kind: 'error',
        text: [api?.detail ?? (error as Error).message, ...other].join(' '),
      });
      const first = known[0];
      if (first)
        requestAnimationFrame(() => form.current?.querySelector<HTMLElement>(`#f-${first}`)?.focus());
    } finally {
      setBusy(false);
    }
  };

  return (
    <form id={id} ref={form} class="entity-form" onSubmit={submit} noValidate>
      {fields.map((f) => (
        <Field key={f.name} label={f.label} name={f.name} errors={errors} hint={f.hint}>
          {(props) => (
            <input
              {...props}
              type={(f.type ?? 'text') as 'text'}
              value={values[f.name] ?? ''}
              autoComplete={f.autoComplete ?? 'off'}
              inputMode={f.inputMode}
              onInput={(e) => setValues({ ...values, [f.name]: (e.target as HTMLInputElement).value })}
            />
          )}
        </Field>
      ))}
      {message ? (
        <p
          class={message.kind === 'error' ? 'error-note' : 'ok-note'}
          role={message.kind === 'error' ? 'alert' : 'status'}
        >
          {message.text}
        </p>
      ) : null}
      <button type="submit" disabled={busy} aria-busy={busy ? 'true' : 'false'}>
        {busy ? 'Saving…' : submitLabel}
      </button>
    </form>
  );
}

/** The form's values as a request body: empty optional fields left out. */
export function bodyOf(values: Record<string, string>, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if ((values[n] ?? '').trim() !== '') out[n] = values[n] as string;
  return out;
}
