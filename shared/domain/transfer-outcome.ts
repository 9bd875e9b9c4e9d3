/**
 * What a Cashfree transfer status means for a payout. Decided on `status` + `status_code`, never on a
 * webhook's event name (EXTERNAL-APIS B2). Used by the workflow's poll, the Cashfree webhook and check_status.
 */
export const CASHFREE_FINAL_FAILURE_STATUSES = ['FAILED', 'REJECTED', 'MANUALLY_REJECTED'] as const;

export type TransferOutcome =
  | { kind: 'pending' } // RECEIVED, PENDING, APPROVAL_PENDING, QUEUED, SCHEDULED_FOR_NEXT_WORKINGDAY...
  | { kind: 'succeeded'; utr: string | null }
  | { kind: 'failed'; retryable: boolean; reason: string }
  | { kind: 'reversed'; reason: string };

// Codes Cashfree marks "try again: yes", or outages on its or the bank's side: a new attempt may succeed.
const RETRYABLE_CODES = new Set([
  'INSUFFICIENT_BALANCE',
  'WAIT_TIME_EXCEEDED',
  'IMPS_MODE_FAIL',
  'NPCI_UNAVAILABLE',
  'BENEFICIARY_BANK_OFFLINE',
  'BANK_GATEWAY_ERROR',
  'DEST_BANK_OFFLINE',
  'SOURCE_BANK_OFFLINE',
  'MODE_DOWNTIME',
  'BANK_DOWNTIME',
  'RETRY_LATER',
  'PAYOUT_INACTIVE',
  'BENE_BANK_DECLINED_TEMPORARILY',
]);

export interface CashfreeTransferStatus {
  status: string;
  statusCode?: string | null;
  statusDescription?: string | null;
  utr?: string | null;
}

export function classifyTransfer(t: CashfreeTransferStatus): TransferOutcome {
  const status = t.status.toUpperCase();
  const code = (t.statusCode ?? '').toUpperCase();
  const reason = [code, t.statusDescription].filter((part) => part && part.length > 0).join(': ') || status;
  if (status === 'SUCCESS') return { kind: 'succeeded', utr: t.utr && t.utr.length > 0 ? t.utr : null };
  if (status === 'REVERSED') return { kind: 'reversed', reason };
  if ((CASHFREE_FINAL_FAILURE_STATUSES as readonly string[]).includes(status)) {
    // REJECTED is a decision (blacklist, invalid mode), never transient.
    return { kind: 'failed', retryable: status === 'FAILED' && RETRYABLE_CODES.has(code), reason };
  }
  // Anything else, known or new, is non-final: never fail a payout while Cashfree has not said so.
  return { kind: 'pending' };
}
