/**
 * Errors the payout workflow's state machine reacts to by name (Retry/Catch ErrorEquals).
 * Their names are part of the state machine's contract: see infra/payout-workflow.ts.
 */

/** The payout is failed (recorded with error_message): the execution ends failed so operators see it. */
export class PayoutFailedError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'PayoutFailedError';
  }
}

/** Cashfree's answer about a transfer could not be had: retried by the state machine, never resent blindly. */
export class TransferOutcomeUnknownError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransferOutcomeUnknownError';
  }
}

export class PayoutNotFoundError extends Error {
  public constructor(payoutId: string) {
    super(`Payout ${payoutId} does not exist`);
    this.name = 'PayoutNotFoundError';
  }
}

export const WORKFLOW_ERRORS = {
  payoutFailed: 'PayoutFailedError',
  outcomeUnknown: 'TransferOutcomeUnknownError',
  conditionalWrite: 'ConditionalWriteError',
  cashfreeAuth: 'CashfreeAuthError',
} as const;
