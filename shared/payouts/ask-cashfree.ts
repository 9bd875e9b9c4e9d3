import type { CashfreeClient, CashfreeTransfer } from '../clients/cashfree-client';
import {
  CashfreeConflictError,
  CashfreeOutcomeUnknownError,
  CashfreeRateLimitedError,
  CashfreeRejectedError,
} from '../clients/cashfree-client';

export type CashfreeAnswer =
  | { kind: 'transfer'; transfer: CashfreeTransfer }
  /** Cashfree's own 404 transfer_id_not_found: it has no transfer under this id. */
  | { kind: 'absent' }
  | { kind: 'rate_limited'; seconds: number }
  /** A 4xx, 5xx, timeout or unreadable answer: nothing was learnt about the transfer; ask again later. */
  | { kind: 'unavailable'; reason: string };

/**
 * Asks Cashfree what became of one transfer id. Only a transfer object, or Cashfree saying it has none, tells us
 * anything; every other outcome of the status read is "unavailable", so that no caller ends an attempt on it.
 * CashfreeAuthError (credentials, IP whitelist) is thrown: operators must act.
 */
export async function askCashfree(
  cashfree: Pick<CashfreeClient, 'getTransfer'>,
  transferId: string,
): Promise<CashfreeAnswer> {
  try {
    const transfer = await cashfree.getTransfer(transferId);
    return transfer ? { kind: 'transfer', transfer } : { kind: 'absent' };
  } catch (error) {
    if (error instanceof CashfreeRateLimitedError)
      return { kind: 'rate_limited', seconds: error.retryAfterSeconds };
    if (
      error instanceof CashfreeOutcomeUnknownError ||
      error instanceof CashfreeRejectedError ||
      error instanceof CashfreeConflictError
    )
      return { kind: 'unavailable', reason: error.message };
    throw error;
  }
}
