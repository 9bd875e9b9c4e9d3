import { apiGet } from '../api';
import type { Query } from '../api';
import { ErrorNote, IdText, Section, StatusBadge, Time, useLoad } from '../components/common';
import { rupees } from '../format';
import type { PayoutPage } from '../types';

/**
 * What needs an operator, one queue per source the API offers. Each source is one list call; a source the API
 * gains later (duplicate payments, amount mismatches, dead letters) is one more entry in ATTENTION_SOURCES.
 */
interface AttentionSource {
  id: string;
  title: string;
  what: string;
  query: Query;
  /** The full list in the payouts view, when the source is a payout filter the list understands. */
  listHref?: string;
}

export const ATTENTION_SOURCES: AttentionSource[] = [
  {
    id: 'needs-attention',
    title: 'Needs attention',
    what: 'Flagged by the workflow: still processing at Cashfree past the limit, a reversal, an earlier attempt reporting success.',
    query: { needs_attention: 'true' },
  },
  {
    id: 'reversed',
    title: 'Reversed',
    what: 'Cashfree returned the money after a success: the owner was not paid.',
    query: { status: 'reversed' },
    listHref: '/admin/payouts?status=reversed',
  },
  {
    id: 'failed',
    title: 'Failed',
    what: 'The workflow gave up: fix the cause (often the owner\u2019s payment details), then retry.',
    query: { status: 'failed' },
    listHref: '/admin/payouts?status=failed',
  },
  // Duplicate payments (a payout or payment flagged as a duplicate) and payments with an amount mismatch
  // join here as sources once the API lists them.
];

export function AttentionPage() {
  return (
    <>
      <h1>Needs an operator</h1>
      {ATTENTION_SOURCES.map((s) => (
        <AttentionQueue key={s.id} source={s} />
      ))}
    </>
  );
}

function AttentionQueue({ source }: { source: AttentionSource }) {
  const list = useLoad(source.id, () =>
    apiGet<PayoutPage>('/api/owner-payouts/', { ...source.query, page_size: '10' }),
  );
  const rows = list.data?.results ?? [];
  return (
    <Section title={source.title} id={`queue-${source.id}`}>
      <p class="muted">{source.what}</p>
      <ErrorNote error={list.error} />
      {list.data && rows.length === 0 ? <p class="empty">Nothing here.</p> : null}
      <ul class="queue">
        {rows.map((r) => (
          <li key={r.id} data-payout={r.id}>
            <a href={`/admin/payouts/${r.id}`}>
              <IdText id={r.id} />
            </a>{' '}
            {r.owner_name} · {rupees(r.amount)} ·{' '}
            <StatusBadge status={r.status} attention={r.needs_attention} /> · <Time iso={r.initiated_at} />
            {r.error_message ? <div class="error-text">{r.error_message}</div> : null}
          </li>
        ))}
      </ul>
      {list.data?.next && source.listHref ? <a href={source.listHref}>All of them →</a> : null}
    </Section>
  );
}
