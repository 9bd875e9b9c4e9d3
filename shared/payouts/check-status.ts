import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CashfreeClient } from '../clients/cashfree-client';
import type { OwnerPayout } from '../domain/entities';
import { RateLimitedError, UnavailableError } from '../errors';
import type { DocumentClient } from '../repositories/dynamodb';
import { isConditionalCheckFailure } from '../repositories/dynamodb';
import type { ApplyDeps } from './apply-transfer-status';
import { applyTransferStatus } from './apply-transfer-status';
import { askCashfree } from './ask-cashfree';

export class TooManyChecksError extends RateLimitedError {
  public constructor(seconds: number) {
    super(`Status was checked less than ${seconds} s ago; try again shortly.`, {
      retryAfterSeconds: Math.max(1, seconds),
    });
    this.name = 'TooManyChecksError';
  }
}

/**
 * One status check per payout per window, recorded in an item of its own (`PAYOUT#<id>` / `STATUS_CHECK`) so
 * the rate limit never touches the payout's version and cannot disturb the workflow's conditional writes.
 */
export async function claimStatusCheck(
  client: DocumentClient,
  tableName: string,
  payoutId: string,
  windowSeconds: number,
  now: Date,
): Promise<void> {
  try {
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `PAYOUT#${payoutId}`,
          sk: 'STATUS_CHECK',
          entity: 'status_check',
          lastAt: now.getTime(),
          expiresAt: Math.floor(now.getTime() / 1000) + 86400,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR lastAt < :threshold',
        ExpressionAttributeValues: { ':threshold': now.getTime() - windowSeconds * 1000 },
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailure(error)) throw new TooManyChecksError(windowSeconds);
    throw error;
  }
}

/**
 * The admin action "Check status with Cashfree" (and the owner app's check_status): ask Cashfree about the
 * current attempt and apply the answer through the same transition function as the workflow.
 */
export async function checkPayoutStatus(
  deps: ApplyDeps & { cashfree: Pick<CashfreeClient, 'getTransfer'> },
  payout: OwnerPayout,
): Promise<OwnerPayout> {
  if (!payout.cashfreeTransferId) return payout; // nothing sent to Cashfree yet
  const answer = await askCashfree(deps.cashfree, payout.cashfreeTransferId);
  // A status read that fails in any way (a 4xx, 5xx, timeout, rate limit) changes nothing: only Cashfree's
  // answer about the transfer does.
  if (answer.kind === 'unavailable' || answer.kind === 'rate_limited')
    throw new UnavailableError('Cashfree did not answer; try again shortly.');
  if (answer.kind === 'absent') return payout;
  return applyTransferStatus(deps, payout.id, answer.transfer);
}
