import { useState } from 'preact/hooks';
import { apiGet } from '../api';
import { ErrorNote, Field, useLoad } from '../components/common';
import { DATE, istDayEnd, istDayStart, PAYOUT_STATUSES, rupees, STATUS_LABELS } from '../format';
import { navigate } from '../router';
import type { Summary } from '../types';

/** Counts and amounts by status for an India-time date range (the old admin's SQL), with a bar chart. */
export function SummaryPage({ query }: { query: URLSearchParams }) {
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  const errors: Record<string, string[]> = {};
  if (from && !DATE.test(from)) errors.from = ['Enter a date as YYYY-MM-DD.'];
  if (to && !DATE.test(to)) errors.to = ['Enter a date as YYYY-MM-DD.'];
  if (!errors.from && !errors.to && from && to && from > to)
    errors.to = ['The end date must be on or after the start date.'];
  const valid = Object.keys(errors).length === 0;
  const summary = useLoad(`${from}|${to}`, () =>
    valid
      ? apiGet<Summary>('/api/admin/payouts/summary/', {
          initiated_at__gte: from ? istDayStart(from) : undefined,
          initiated_at__lte: to ? istDayEnd(to) : undefined,
        })
      : Promise.resolve(null),
  );
  const [draft, setDraft] = useState({ from, to });
  const apply = (e: Event) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (draft.from) q.set('from', draft.from);
    if (draft.to) q.set('to', draft.to);
    navigate(`/admin/summary${q.size ? `?${q}` : ''}`);
  };
  const s = summary.data;
  const max = s ? Math.max(1, ...PAYOUT_STATUSES.map((st) => Number(s.by_status[st]?.amount ?? 0))) : 1;
  return (
    <>
      <h1>Summary by status</h1>
      <form class="filters" onSubmit={apply} aria-label="Date range">
        <Field label="Initiated from (IST)" name="from" errors={errors}>
          {(p) => (
            <input
              {...p}
              type="date"
              value={draft.from}
              onInput={(e) => setDraft({ ...draft, from: (e.target as HTMLInputElement).value })}
            />
          )}
        </Field>
        <Field label="Initiated to (IST)" name="to" errors={errors}>
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
          <button type="submit">Show</button>
        </div>
      </form>
      <ErrorNote error={summary.error} />
      {s ? (
        <div class="grid">
          <section class="card" aria-labelledby="summary-table">
            <h2 id="summary-table">
              Payouts {from || to ? `initiated ${from || '…'} to ${to || '…'} (IST)` : 'of all time'}
            </h2>
            <table class="summary">
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Count
                  </th>
                  <th scope="col" class="num">
                    Amount
                  </th>
                </tr>
              </thead>
              <tbody>
                {PAYOUT_STATUSES.map((st) => (
                  <tr key={st} data-status={st}>
                    <th scope="row">
                      <a
                        href={`/admin/payouts?status=${st}${from ? `&from=${from}` : ''}${to ? `&to=${to}` : ''}`}
                      >
                        {STATUS_LABELS[st]}
                      </a>
                    </th>
                    <td class="num">{s.by_status[st]?.count ?? 0}</td>
                    <td class="num">{rupees(s.by_status[st]?.amount ?? '0.00')}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr data-status="total">
                  <th scope="row">Total</th>
                  <td class="num">{s.total.count}</td>
                  <td class="num">{rupees(s.total.amount)}</td>
                </tr>
              </tfoot>
            </table>
          </section>
          <section class="card" aria-labelledby="summary-chart">
            <h2 id="summary-chart">Amount by status</h2>
            <svg
              class="chart"
              viewBox={`0 0 360 ${PAYOUT_STATUSES.length * 34}`}
              role="img"
              aria-labelledby="summary-chart"
            >
              {PAYOUT_STATUSES.map((st, i) => {
                const amount = s.by_status[st]?.amount ?? '0.00';
                const w = (Number(amount) / max) * 150;
                return (
                  <g key={st} transform={`translate(0 ${i * 34})`}>
                    <text x="0" y="20" class="chart-label">
                      {STATUS_LABELS[st]}
                    </text>
                    <rect
                      x="100"
                      y="6"
                      width={Math.max(w, 1)}
                      height="20"
                      rx="3"
                      class={`bar status-${st}`}
                    />
                    <text x={116 + Math.max(w, 1)} y="20" class="chart-value">
                      {rupees(amount)}
                    </text>
                  </g>
                );
              })}
            </svg>
          </section>
        </div>
      ) : null}
    </>
  );
}
