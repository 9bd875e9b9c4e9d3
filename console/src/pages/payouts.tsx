import { useRef, useState } from 'preact/hooks';
import { apiBlob, apiGet, apiSend, ApiError } from '../api';
import type { Query } from '../api';
import { ErrorNote, Field, IdText, StatusBadge, Time, useLoad } from '../components/common';
import { DATE, istDayEnd, istDayStart, PAYOUT_STATUSES, rupees, STATUS_LABELS, ULID } from '../format';
import { navigate } from '../router';
import type { PayoutDetail, PayoutPage, PayoutRow } from '../types';

/**
 * Owner Payouts, as the old admin's list: search (owner name or payment id), status and India-time date
 * filters that live in the URL, newest first, the API's cursors for paging, the two bulk actions, CSV export.
 */
export interface Filters {
  search: string;
  status: string;
  from: string;
  to: string;
}

export function filtersOf(q: URLSearchParams): Filters {
  return {
    search: q.get('search') ?? '',
    status: q.get('status') ?? '',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
  };
}

export function filterErrors(f: Filters): Record<string, string[]> {
  const e: Record<string, string[]> = {};
  if (f.from && !DATE.test(f.from)) e.from = ['Enter a date as YYYY-MM-DD.'];
  if (f.to && !DATE.test(f.to)) e.to = ['Enter a date as YYYY-MM-DD.'];
  if (f.from && f.to && DATE.test(f.from) && DATE.test(f.to) && f.from > f.to)
    e.to = ['The end date must be on or after the start date.'];
  if (f.status && !(PAYOUT_STATUSES as readonly string[]).includes(f.status)) e.status = ['Choose a status.'];
  return e;
}

/** The list API's query for these filters (dates are India-time days). */
export function apiQuery(f: Filters): Query {
  const search = f.search.trim();
  return {
    ...(search && ULID.test(search) ? { payment_id: search.toUpperCase() } : { search: search || undefined }),
    status: f.status || undefined,
    initiated_at__gte: f.from ? istDayStart(f.from) : undefined,
    initiated_at__lte: f.to ? istDayEnd(f.to) : undefined,
  };
}

function hrefOf(f: Filters, cursor?: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  if (cursor) q.set('cursor', cursor);
  const text = q.toString();
  return `/admin/payouts${text ? `?${text}` : ''}`;
}

function cursorOf(link: string | null): string | undefined {
  return link ? (new URL(link).searchParams.get('cursor') ?? undefined) : undefined;
}

type BulkKind = 'retry' | 'check';
interface BulkResult {
  id: string;
  ok: boolean;
  text: string;
}

const BULK_LABEL: Record<BulkKind, string> = {
  retry: 'Retry selected failed payouts',
  check: 'Check status with Cashfree',
};

export function PayoutsPage({ query }: { query: URLSearchParams }) {
  const filters = filtersOf(query);
  const cursor = query.get('cursor') ?? undefined;
  const invalid = filterErrors(filters);
  const valid = Object.keys(invalid).length === 0;
  const key = `${hrefOf(filters, cursor)}`;
  const list = useLoad(key, () =>
    valid
      ? apiGet<PayoutPage>('/api/owner-payouts/', { ...apiQuery(filters), cursor, page_size: '25' })
      : Promise.resolve({ next: null, previous: null, results: [] } as PayoutPage),
  );
  const [draft, setDraft] = useState<Filters>(filters);
  const [draftKey, setDraftKey] = useState(key);
  if (draftKey !== key) {
    setDraft(filters);
    setDraftKey(key);
  }
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<BulkKind | null>(null);
  const [running, setRunning] = useState(false);
  const [results, setResults] = useState<BulkResult[]>([]);
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const rows = list.data?.results ?? [];

  const apply = (e: Event) => {
    e.preventDefault();
    setSelected(new Set());
    navigate(hrefOf(draft));
  };
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const ask = (kind: BulkKind) => {
    setPending(kind);
    dialog.current?.showModal();
  };
  const runBulk = async () => {
    if (!pending || running) return;
    const kind = pending;
    const ids = rows.filter((r) => selected.has(r.id)).map((r) => r.id);
    setRunning(true);
    dialog.current?.close();
    const out: BulkResult[] = [];
    for (const id of ids) {
      try {
        const p =
          kind === 'retry'
            ? await apiSend<PayoutDetail>(
                'POST',
                `/api/owner-payouts/${encodeURIComponent(id)}/manual_retry/`,
              )
            : await apiGet<PayoutDetail>(`/api/owner-payouts/${encodeURIComponent(id)}/check_status/`);
        out.push({ id, ok: true, text: `Done: now ${STATUS_LABELS[p.status as 'pending'] ?? p.status}.` });
      } catch (error) {
        out.push({
          id,
          ok: false,
          text: `Refused: ${error instanceof ApiError ? error.detail : String(error)}`,
        });
      }
      setResults([...out]);
    }
    setRunning(false);
    setPending(null);
    setSelected(new Set());
    list.reload();
  };
  const exportCsv = async () => {
    if (exporting) return;
    setExporting(true);
    setExportError(null);
    try {
      const blob = await apiBlob('/api/owner-payouts/export.csv', apiQuery(filters));
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = 'owner-payouts.csv';
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(false);
    }
  };
  const selectedCount = rows.filter((r) => selected.has(r.id)).length;

  return (
    <>
      <h1>Owner payouts</h1>
      <form class="filters" onSubmit={apply} role="search" aria-label="Filter payouts">
        <Field label="Search" name="search" hint="Owner name (starts with) or payment id">
          {(p) => (
            <input
              {...p}
              type="search"
              value={draft.search}
              onInput={(e) => setDraft({ ...draft, search: (e.target as HTMLInputElement).value })}
            />
          )}
        </Field>
        <Field label="Status" name="status" errors={invalid}>
          {(p) => (
            <select
              {...p}
              value={draft.status}
              onChange={(e) => setDraft({ ...draft, status: (e.target as HTMLSelectElement).value })}
            >
              <option value="">Any status</option>
              {PAYOUT_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Initiated from (IST)" name="from" errors={invalid}>
          {(p) => (
            <input
              {...p}
              type="date"
              value={draft.from}
              onInput={(e) => setDraft({ ...draft, from: (e.target as HTMLInputElement).value })}
            />
          )}
        </Field>
        <Field label="Initiated to (IST)" name="to" errors={invalid}>
          {(p) => (
            <input
              {...p}
              type="date"
              value={draft.to}
              onInput={(e) => setDraft({ ...draft, to: (e.target as HTMLInputElement).value })}
            />
          )}
        </Field>
        <div class="filter-buttons">
          <button type="submit">Apply filters</button>
          <a class="button secondary" href="/admin/payouts">
            Clear
          </a>
        </div>
      </form>

      <div class="toolbar" role="toolbar" aria-label="Actions on selected payouts">
        <button type="button" disabled={selectedCount === 0 || running} onClick={() => ask('retry')}>
          {BULK_LABEL.retry}
        </button>
        <button type="button" disabled={selectedCount === 0 || running} onClick={() => ask('check')}>
          {BULK_LABEL.check}
        </button>
        <span class="muted" aria-live="polite">
          {running ? 'Working…' : `${selectedCount} selected`}
        </span>
        <span class="spacer" />
        <button
          type="button"
          class="secondary"
          onClick={() => void exportCsv()}
          disabled={exporting || !valid}
        >
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
        <button type="button" class="secondary" onClick={() => list.reload()}>
          Refresh
        </button>
      </div>
      <ErrorNote error={exportError} />

      <dialog ref={dialog} aria-labelledby="confirm-title" onClose={() => !running && setPending(null)}>
        <form method="dialog">
          <h2 id="confirm-title">{pending ? `${BULK_LABEL[pending]}?` : ''}</h2>
          <p>
            {pending === 'retry'
              ? `${selectedCount} payout(s) selected. Each failed one starts a new transfer attempt; any other is refused with the reason.`
              : `${selectedCount} payout(s) selected. Each is asked about at Cashfree and its status applied.`}
          </p>
          <div class="dialog-buttons">
            <button type="button" onClick={() => void runBulk()} disabled={running}>
              Confirm
            </button>
            <button type="submit" class="secondary" value="cancel">
              Cancel
            </button>
          </div>
        </form>
      </dialog>

      {results.length > 0 ? (
        <section class="card results" aria-labelledby="results-heading">
          <h2 id="results-heading">Result per payout</h2>
          <ul>
            {results.map((r) => (
              <li key={r.id} class={r.ok ? 'ok' : 'refused'} data-payout={r.id}>
                <a href={`/admin/payouts/${r.id}`}>
                  <IdText id={r.id} />
                </a>{' '}
                {r.text}
              </li>
            ))}
          </ul>
          <button type="button" class="secondary" onClick={() => setResults([])}>
            Dismiss
          </button>
        </section>
      ) : null}

      <ErrorNote error={list.error} />
      <div class="table-wrap" aria-busy={list.loading ? 'true' : 'false'}>
        <table class="payouts">
          <caption class="visually-hidden">Payouts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all payouts on this page"
                  checked={allSelected}
                  onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))}
                />
              </th>
              <th scope="col">ID</th>
              <th scope="col">Owner</th>
              <th scope="col">Payment info</th>
              <th scope="col" class="num">
                Amount
              </th>
              <th scope="col">Status</th>
              <th scope="col">Beneficiary type</th>
              <th scope="col" class="num">
                Retry count
              </th>
              <th scope="col">Initiated at</th>
              <th scope="col">Completed at</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <PayoutRowView key={r.id} row={r} checked={selected.has(r.id)} onToggle={() => toggle(r.id)} />
            ))}
          </tbody>
        </table>
        {!list.loading && rows.length === 0 && !list.error ? <p class="empty">No payouts match.</p> : null}
        {list.loading && rows.length === 0 ? <p class="empty">Loading…</p> : null}
      </div>
      <nav class="pager" aria-label="Pages">
        {list.data?.previous ? (
          <a class="button secondary" href={hrefOf(filters, cursorOf(list.data.previous))} rel="prev">
            ← Newer
          </a>
        ) : null}
        {list.data?.next ? (
          <a class="button secondary" href={hrefOf(filters, cursorOf(list.data.next))} rel="next">
            Older →
          </a>
        ) : null}
      </nav>
    </>
  );
}

function PayoutRowView({
  row,
  checked,
  onToggle,
}: {
  row: PayoutRow;
  checked: boolean;
  onToggle: () => void;
}) {
  const flagged = row.needs_attention || row.status === 'reversed';
  return (
    <tr class={flagged ? 'flagged' : ''} data-payout={row.id}>
      <td data-label="Select">
        <input type="checkbox" aria-label={`Select payout ${row.id}`} checked={checked} onChange={onToggle} />
      </td>
      <td data-label="ID">
        <a href={`/admin/payouts/${row.id}`}>
          <IdText id={row.id} />
        </a>
      </td>
      <td data-label="Owner">{row.owner_name}</td>
      <td data-label="Payment info">
        <IdText id={row.payment_id} />
        <br />
        <span class="muted">Unit {row.unit_number ?? '—'}</span>
      </td>
      <td data-label="Amount" class="num">
        {rupees(row.amount)}
      </td>
      <td data-label="Status">
        <StatusBadge status={row.status} attention={row.needs_attention} />
      </td>
      <td data-label="Beneficiary type">{row.beneficiary_type ?? '—'}</td>
      <td data-label="Retry count" class="num">
        {row.retry_count}
      </td>
      <td data-label="Initiated at">
        <Time iso={row.initiated_at} />
      </td>
      <td data-label="Completed at">
        <Time iso={row.completed_at} />
      </td>
    </tr>
  );
}
