import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured JSON logger per function (service name from POWERTOOLS_SERVICE_NAME). Operators search for
 * these messages, kept from the Django system: see LogMessages.
 */
export const logger = new Logger();

export const LogMessages = {
  payoutInitiated: 'Owner payout initiated',
  transferInitiated: 'Cashfree transfer initiated',
  payoutFailed: 'Owner payout failed',
  validationFailed: 'Payout validation failed',
  payoutCompleted: 'Owner payout completed',
  payoutReversed: 'Owner payout reversed',
  duplicatePayout: 'Duplicate owner payout: two transfers succeeded',
  paymentCompleted: 'Payment completed',
  paymentAmountMismatch: 'Payment amount mismatch',
  duplicatePayment: 'Duplicate rent payment',
} as const;
