import { apiGet } from '../api';
import type { Query } from '../api';
import { ErrorNote, IdText, Section, StatusBadge, Time, useLoad } from '../components/common';
import { rupees } from '../format';
import type { PaymentPage, PayoutPage } from '../types';

/**
 * What needs an operator, one queue per source the API offers: payouts by a list filter, and payments the API
 * flags for an operator (GET /api/admin/payments/?flag=). Each source is one list call.
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
];

/** Payments waiting on an operator, by the flag the API lists them under. */
interface PaymentSource {
  flag: 'duplicate_payment' | 'amount_mismatch';
  title: string;
  what: string;
}

export const PAYMENT_SOURCES: PaymentSource[] = [
  {
    flag: 'duplicate_payment',
    title: 'Rent paid twice',
    what: 'A tenant paid the same unit and period twice: the later payment got no payout; refund it through PhonePe, then resolve it as refunded.',
  },
  {
    flag: 'amount_mismatch',
    title: 'Amount mismatches',
    what: 'PhonePe reported another amount than the rent: nothing was paid out and the period is held until an operator resolves it (refunded, or accepted).',
  },
];

export function AttentionPage() {
  return (
    <>
      <h1>Needs an operator</h1>
      {ATTENTION_SOURCES.map((s) => (
        <AttentionQueue key={s.id} source={s} />
      ))}
      {PAYMENT_SOURCES.map((s) => (
        <PaymentQueue key={s.flag} source={s} />
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

function PaymentQueue({ source }: { source: PaymentSource }) {
  const list = useLoad(source.flag, () =>
    apiGet<PaymentPage>('/api/admin/payments/', { flag: source.flag, page_size: '10' }),
  );
  const rows = list.data?.results ?? [];
  return (
    <Section title={source.title} id={`queue-${source.flag}`}>
      <p class="muted">{source.what}</p>
      <ErrorNote error={list.error} />
      {list.data && rows.length === 0 ? <p class="empty">Nothing here.</p> : null}
      <ul class="queue">
        {rows.map((r) => (
          <li key={r.id} data-payment={r.id}>
            Payment <IdText id={r.id} /> · unit{' '}
            <a href={`/admin/directory/units/${r.unit_id}`}>
              <IdText id={r.unit_id} />
            </a>{' '}
            · {r.period} · {rupees(r.amount)}
            {r.phonepe_amount ? <> (PhonePe reported {rupees(r.phonepe_amount)})</> : null} · {r.status} ·{' '}
            <Time iso={r.created_at} />
            {r.duplicate_of ? (
              <div class="muted">
                The period was already paid by payment <IdText id={r.duplicate_of} />
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {list.data?.next ? <p class="muted">More than ten: the oldest are shown first.</p> : null}
    </Section>
  );
}
