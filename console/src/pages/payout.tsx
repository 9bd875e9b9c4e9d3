import { useEffect, useState } from 'preact/hooks';
import { apiGet, apiSend, ApiError } from '../api';
import { ErrorNote, IdText, Section, StatusBadge, Time, useLoad } from '../components/common';
import { isFinal, rupees } from '../format';
import type { DetailsChange, Execution, MaskedDetails, Payment, PayoutDetail } from '../types';

/** How often an open payout that is still moving is read again, so an operator sees it land. */
const FOLLOW_MS = 2000;

export function PayoutPage({ id }: { id: string }) {
  const path = `/api/owner-payouts/${encodeURIComponent(id)}/`;
  const payout = useLoad(path, () => apiGet<PayoutDetail>(path));
  const p = payout.data;
  const executions = useLoad(`${path}#exec#${p?.status ?? ''}#${p?.retry_count ?? ''}`, () =>
    apiGet<{ results: Execution[] }>(`/api/admin/payouts/${encodeURIComponent(id)}/executions/`),
  );
  const [busy, setBusy] = useState<null | 'retry' | 'check'>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => {
    if (!p || isFinal(p.status) || payout.loading) return;
    const t = setTimeout(() => payout.reload(), FOLLOW_MS);
    return () => clearTimeout(t);
  }, [p, payout.loading]);

  const act = async (kind: 'retry' | 'check') => {
    if (busy) return;
    if (kind === 'retry' && !window.confirm(`Retry payout ${id}? A new transfer attempt starts.`)) return;
    setBusy(kind);
    setOutcome(null);
    try {
      const next =
        kind === 'retry'
          ? await apiSend<PayoutDetail>('POST', `${path}manual_retry/`)
          : await apiGet<PayoutDetail>(`${path}check_status/`);
      setOutcome({ ok: true, text: `Done: the payout is now ${next.status}.` });
    } catch (error) {
      setOutcome({ ok: false, text: `Refused: ${error instanceof ApiError ? error.detail : String(error)}` });
    } finally {
      setBusy(null);
      payout.reload();
    }
  };

  if (payout.error && !p) return <ErrorNote error={payout.error} />;
  if (!p) return <p class="loading">Loading payout…</p>;
  return (
    <>
      <p class="crumbs">
        <a href="/admin/payouts">← Owner payouts</a>
      </p>
      <h1>
        Payout <IdText id={p.id} />
      </h1>
      <div class="headline">
        <StatusBadge status={p.status} attention={p.needs_attention} duplicate={p.duplicate_payment} />
        <strong class="amount">{rupees(p.amount)}</strong>
        <span>to {p.owner_name}</span>
        {!isFinal(p.status) ? (
          <span class="muted">(following: refreshes every {FOLLOW_MS / 1000} s)</span>
        ) : null}
      </div>
      <div class="actions" role="group" aria-label="Actions on this payout">
        {p.status === 'failed' ? (
          <button type="button" onClick={() => void act('retry')} disabled={busy !== null}>
            {busy === 'retry' ? 'Retrying…' : 'Retry this payout'}
          </button>
        ) : null}
        <button type="button" onClick={() => void act('check')} disabled={busy !== null}>
          {busy === 'check' ? 'Checking…' : 'Check status with Cashfree'}
        </button>
      </div>
      {outcome ? (
        <p class={outcome.ok ? 'ok-note' : 'error-note'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      ) : null}
      <ErrorNote error={payout.error} />

      <div class="grid">
        <Section title="Payout">
          <dl class="fields">
            <dt>ID</dt>
            <dd>
              <IdText id={p.id} />
            </dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={p.status} attention={p.needs_attention} duplicate={p.duplicate_payment} />
            </dd>
            <dt>Amount</dt>
            <dd>{rupees(p.amount)}</dd>
            <dt>Owner</dt>
            <dd>
              <a href={`/admin/directory/owners/${p.owner_id}`}>{p.owner_name}</a> <IdText id={p.owner_id} />
            </dd>
            <dt>Payment</dt>
            <dd>
              <IdText id={p.payment_id} />
            </dd>
            <dt>Unit</dt>
            <dd>
              <a href={`/admin/directory/units/${p.unit_id}`}>
                <IdText id={p.unit_id} />
              </a>
            </dd>
            <dt>Beneficiary type</dt>
            <dd>{p.beneficiary_type ?? '—'}</dd>
            <dt>Cashfree transfer id</dt>
            <dd>{p.cashfree_transfer_id ? <IdText id={p.cashfree_transfer_id} /> : '—'}</dd>
            <dt>UTR</dt>
            <dd>{p.cashfree_utr ?? '—'}</dd>
            <dt>Retry count</dt>
            <dd>{p.retry_count}</dd>
            <dt>Initiated at</dt>
            <dd>
              <Time iso={p.initiated_at} />
            </dd>
            <dt>Completed at</dt>
            <dd>
              <Time iso={p.completed_at} />
            </dd>
            <dt>Needs attention</dt>
            <dd>{p.needs_attention ? 'Yes' : 'No'}</dd>
            <dt>Paid twice</dt>
            <dd class={p.duplicate_payment ? 'error-text' : ''}>
              {p.duplicate_payment
                ? 'Yes: two transfers succeeded (see the attempts); recover one payment from the owner'
                : 'No'}
            </dd>
            <dt>Error message</dt>
            <dd class={p.error_message ? 'error-text' : ''}>{p.error_message || '—'}</dd>
          </dl>
        </Section>
        <Section title="Attempts">
          {p.attempts.length === 0 ? (
            <p class="muted">No transfer attempt yet.</p>
          ) : (
            <ol class="timeline">
              {[...p.attempts].reverse().map((a) => (
                <li key={a.attempt} class={`cf-${a.cashfree_status.toLowerCase()}`}>
                  <h3>
                    Attempt {a.attempt}: <span class="badge">{a.cashfree_status}</span>
                    {a.status_code ? <span class="muted"> {a.status_code}</span> : null}
                  </h3>
                  <p>
                    Transfer <IdText id={a.transfer_id} />
                    {a.utr ? <> · UTR {a.utr}</> : null}
                  </p>
                  {a.description ? <p class="muted">{a.description}</p> : null}
                  <p class="muted">
                    Requested <Time iso={a.requested_at} /> · updated <Time iso={a.updated_at} />
                  </p>
                </li>
              ))}
            </ol>
          )}
        </Section>
      </div>
      <div class="grid">
        <PaymentSection paymentId={p.payment_id} />
        <Section title="Workflow executions">
          <ErrorNote error={executions.error} />
          <ul class="plain">
            {(executions.data?.results ?? []).map((e) => (
              <li key={e.name} data-execution={e.name}>
                <strong>Run {e.run}</strong> <code>{e.name}</code> <span class="badge">{e.status}</span>
                <br />
                <span class="muted">
                  <Time iso={e.start_date} /> → <Time iso={e.stop_date} />
                </span>
                {e.error ? (
                  <p class="error-text">
                    {e.error}
                    {e.cause ? `: ${e.cause}` : ''}
                  </p>
                ) : null}
                {e.console_url ? (
                  <>
                    <br />
                    <a href={e.console_url} target="_blank" rel="noopener noreferrer">
                      Open in the Step Functions console
                    </a>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
          {executions.data && executions.data.results.every((e) => !e.console_url) ? (
            <p class="muted">The local stack has no Step Functions console; on AWS each run links to it.</p>
          ) : null}
        </Section>
      </div>
      <OwnerDetailsSection ownerId={p.owner_id} />
    </>
  );
}

function PaymentSection({ paymentId }: { paymentId: string }) {
  const payment = useLoad(paymentId, () =>
    apiGet<Payment>(`/api/payments/${encodeURIComponent(paymentId)}/`),
  );
  const m = payment.data;
  return (
    <Section title="The payment it pays">
      <ErrorNote error={payment.error} />
      {m ? (
        <dl class="fields">
          <dt>Payment</dt>
          <dd>
            <IdText id={m.id} /> ({m.status})
          </dd>
          <dt>Rent period</dt>
          <dd>{m.period}</dd>
          <dt>Amount</dt>
          <dd>{rupees(m.amount)}</dd>
          <dt>PhonePe order</dt>
          <dd>
            <IdText id={m.merchant_order_id} />
          </dd>
          <dt>Tenant</dt>
          <dd>
            <a href={`/admin/directory/tenants/${m.tenant_id}`}>
              <IdText id={m.tenant_id} />
            </a>
          </dd>
          <dt>Created / completed</dt>
          <dd>
            <Time iso={m.created_at} /> / <Time iso={m.completed_at} />
          </dd>
          <dt>Flags</dt>
          <dd>
            {m.flags.length
              ? m.flags.map((f) => (
                  <span class="badge attention" key={f}>
                    {f}
                  </span>
                ))
              : '—'}
          </dd>
          <dt>Refunds</dt>
          <dd>
            {m.refunds.length
              ? m.refunds
                  .map((r) => `${r.merchant_refund_id} ${r.state} ${r.amount ? rupees(r.amount) : ''}`)
                  .join('; ')
              : '—'}
          </dd>
        </dl>
      ) : null}
    </Section>
  );
}

export function detailsText(d: MaskedDetails | null): string {
  if (!d || !d.payment_method) return 'none';
  return d.payment_method === 'upi'
    ? `UPI ${d.upi_id}`
    : `Bank ${d.bank_name}, account ${d.account_number}, IFSC ${d.ifsc_code}`;
}

export function OwnerDetailsSection({ ownerId }: { ownerId: string }) {
  const base = `/api/admin/owners/${encodeURIComponent(ownerId)}/payment-details/`;
  const current = useLoad(base, () => apiGet<MaskedDetails>(base));
  const history = useLoad(`${base}history/`, () => apiGet<{ results: DetailsChange[] }>(`${base}history/`));
  return (
    <Section title="Owner's payment details">
      <ErrorNote error={current.error ?? history.error} />
      <p>
        <strong>Now:</strong> {current.data ? detailsText(current.data) : '…'}
      </p>
      <h3>Changes, newest first</h3>
      {history.data && history.data.results.length === 0 ? <p class="muted">No change recorded.</p> : null}
      <ol class="plain">
        {(history.data?.results ?? []).map((c) => (
          <li key={`${c.changed_at}${c.changed_by}`}>
            <Time iso={c.changed_at} /> by <code>{c.changed_by}</code>: {detailsText(c.old)} →{' '}
            {detailsText(c.new)}
          </li>
        ))}
      </ol>
    </Section>
  );
}
