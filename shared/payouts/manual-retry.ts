import { ConflictError, NotFoundError } from '../errors';
import { logger } from '../logger';
import type { PayoutRepository } from '../repositories/payout-repository';
import type { OwnerPayout } from '../domain/entities';
import { logFields } from './apply-transfer-status';
import { startPayoutRun } from './start-payout';
import type { StartPayoutDeps } from './start-payout';

/**
 * The admin action "Retry selected failed payouts". Primary course: a failed payout goes to retry_scheduled and
 * a new workflow run starts (`<payoutId>-<run+1>`); its first attempt takes the next attempt number, so no
 * transfer id is reused, and it uses the owner's payment details as they are now.
 */
export async function manualRetry(
  deps: StartPayoutDeps & { payouts: PayoutRepository },
  payoutId: string,
  actor: string,
): Promise<OwnerPayout> {
  const payout = await deps.payouts.get(payoutId);
  if (!payout) throw new NotFoundError();
  if (payout.status !== 'failed') {
    throw new ConflictError(`Only failed payouts can be retried; this one is ${payout.status}.`);
  }
  const now = deps.now().toISOString();
  const next: OwnerPayout = {
    ...payout,
    status: 'retry_scheduled',
    run: payout.run + 1,
    retryCount: payout.retryCount + 1,
    errorMessage: '',
    needsAttention: false,
    updatedAt: now,
  };
  // Conditional on the failed status and version read: two admins clicking at once start one run.
  const saved = await deps.payouts.save(next, payout).catch((error: unknown) => {
    if ((error as Error).name === 'ConditionalWriteError')
      throw new ConflictError('The payout changed meanwhile; reload and try again.');
    throw error;
  });
  logger.info('Owner payout manual retry', { ...logFields(saved), run: saved.run, actor });
  await startPayoutRun(deps, saved);
  return saved;
}
