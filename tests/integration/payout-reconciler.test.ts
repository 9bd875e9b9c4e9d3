import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForExecution } from '../../infra/local/stepfunctions';
import type { OwnerPayout } from '../../shared/domain/entities';
import { newId } from '../../shared/domain/ids';
import { paise } from '../../shared/domain/money';
import { payoutDetailResponse } from '../../shared/http/api-schemas';
import { eventually, logged, startTestStack } from '../support/local-stack';
import type { TestStack } from '../support/local-stack';
import {
  bank,
  completedPaymentFor,
  executionArnOf,
  payoutItem,
  payoutReaching,
  payoutsRepo,
  sandboxControl,
  stepFunctionsFaults,
} from '../support/payouts';

/**
 * The payout reconciler on the local stack: its EventBridge schedule runs it every minute, scaled (here every
 * 0.3 s). It looks at a payout unchanged for 1 s, and watches completed payouts for a reversal for 4 s.
 */
let stack: TestStack;
let sandbox: ReturnType<typeof sandboxControl>;

beforeAll(async () => {
  stack = await startTestStack({
    timeScale: 0.005,
    functionEnv: {
      PAYOUT_RECONCILE_AFTER_SECONDS: '1',
      PAYOUT_REVERSAL_WINDOW_SECONDS: '4',
      CASHFREE_TIMEOUT_MS: '2000',
    },
  });
  sandbox = sandboxControl(stack);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** A log line matching a predicate (the reconciler's summary has counts, not exact values). */
function loggedWhere(test: (entry: Record<string, unknown>) => boolean, timeoutMs = 15_000) {
  return eventually(async () => stack.logs.find((l) => test(l.entry))?.entry, { timeoutMs, intervalMs: 20 });
}

async function executionOf(payoutId: string, run = 1) {
  const executionArn = executionArnOf(stack, payoutId, run);
  await eventually(() =>
    stack.sfn
      .send(new DescribeExecutionCommand({ executionArn }))
      .then(() => true)
      .catch(() => false),
  );
  return waitForExecution(stack.sfn, executionArn, { timeoutMs: 60_000 });
}

const reconcilerActed = (payoutId: string) =>
  loggedWhere(
    (e) => e.message === 'Payout reconciler run' && Number(e.acted) > 0 && e.service === 'reconcile-payouts',
  ).then(() => payoutId);

describe('reversal watch', () => {
  it('a transfer reversed after SUCCESS with its webhooks dropped makes the payout reversed, with no webhook or operator', async () => {
    const account = '910000000001';
    const { paymentId } = await completedPaymentFor(stack, bank(account));
    const done = await payoutReaching(stack, paymentId, ['completed']);
    expect((await executionOf(done.id)).status).toBe('SUCCEEDED');
    // Days later (here: at once) the bank returns the money; the webhook that says so is lost.
    await sandbox.faults({ beneficiary: account, dropWebhooks: 1 });
    await sandbox.setStatus(done.cashfreeTransferId!, 'REVERSED', 'INVALID_ACCOUNT_FAIL');
    expect(await sandbox.webhooksOf(done.cashfreeTransferId!)).toContainEqual(
      expect.objectContaining({ type: 'TRANSFER_REVERSED', dropped: true }),
    );

    const reversed = await payoutReaching(stack, paymentId, ['reversed'], 15_000);
    expect(reversed).toMatchObject({ needsAttention: true, cashfreeUtr: done.cashfreeUtr });
    expect(reversed.errorMessage).toContain('INVALID_ACCOUNT_FAIL');
    await logged(stack, {
      message: 'Owner payout reversed',
      payout_id: done.id,
      service: 'reconcile-payouts',
      alarm: 'PayoutReversed',
    });
    // Nothing is left to watch on a reversed payout: it leaves the watch index.
    expect((await payoutItem(stack, done.id))?.gsi5pk).toBeUndefined();
  });

  it('a completed payout is watched through the reversal window, then no more', async () => {
    const { paymentId } = await completedPaymentFor(stack, bank('910000000002'));
    const done = await payoutReaching(stack, paymentId, ['completed']);
    expect((await payoutItem(stack, done.id))?.gsi5pk).toEqual(expect.stringMatching(/^PAYOUT_WATCH#/));
    await eventually(async () => ((await payoutItem(stack, done.id))?.gsi5pk === undefined ? true : null), {
      timeoutMs: 15_000,
    });
    expect(Date.now() - Date.parse(done.completedAt!)).toBeGreaterThanOrEqual(4000);
    expect((await payoutsRepo(stack).get(done.id))!.status).toBe('completed');
  });
});

describe('transfers still in flight', () => {
  it('a late success of attempt 1 completes the payout; attempt 2, still in flight, is watched and found to pay twice', async () => {
    // Beneficiary 000000000010: the first transfer fails (retryable), the next one stays PENDING.
    const account = '000000000010';
    const { paymentId } = await completedPaymentFor(stack, bank(account));
    const retried = await eventually(async () => {
      const p = await payoutsRepo(stack).getByPaymentId(paymentId);
      return p?.attempts.length === 2 && (await sandbox.transfersOf(p.id)).length === 2 ? p : null;
    });
    const [first, second] = retried.attempts as [OwnerPayout['attempts'][0], OwnerPayout['attempts'][0]];
    expect(first.cashfreeStatus).toBe('FAILED');

    // Cashfree changes its mind about attempt 1: SUCCESS. The payout is completed with that transfer.
    const paid = await sandbox.setStatus(first.transferId, 'SUCCESS', 'COMPLETED');
    const completed = await payoutReaching(stack, paymentId, ['completed']);
    expect(completed).toMatchObject({ cashfreeTransferId: first.transferId, cashfreeUtr: paid.transfer_utr });
    expect((await executionOf(completed.id)).status).toBe('SUCCEEDED');
    await logged(stack, {
      message: 'Owner payout completed by a late Cashfree success',
      payout_id: completed.id,
    });

    // The run is over; attempt 2 then succeeds too, and its webhook is lost: only the watch can see it.
    await sandbox.faults({ beneficiary: account, dropWebhooks: 1 });
    await sandbox.setStatus(second.transferId, 'SUCCESS', 'COMPLETED');
    const flagged = await eventually(
      async () => {
        const p = await payoutsRepo(stack).get(completed.id);
        return p?.duplicatePayment ? p : null;
      },
      { timeoutMs: 15_000 },
    );
    expect(flagged).toMatchObject({
      status: 'completed',
      cashfreeTransferId: first.transferId,
      cashfreeUtr: paid.transfer_utr,
      needsAttention: true,
    });
    expect(flagged.attempts.map((a) => a.cashfreeStatus)).toEqual(['SUCCESS', 'SUCCESS']);
    await logged(stack, {
      message: 'Duplicate owner payout: two transfers succeeded',
      payout_id: completed.id,
      service: 'reconcile-payouts',
      alarm: 'DuplicatePayout',
    });
    const admin = await stack.issuer.issue({ role: 'admin', sub: 'ops' });
    const detail = await stack.api(`/api/owner-payouts/${completed.id}/`, { token: admin });
    expect(detail.status).toBe(200);
    payoutDetailResponse.parse(detail.body);
    expect(detail.body).toMatchObject({
      status: 'completed',
      cashfree_transfer_id: first.transferId,
      duplicate_payment: true,
      needs_attention: true,
    });
  });
});

describe('runs that stopped', () => {
  it('a pending payout whose StartExecution never happened gets its run started', async () => {
    const { paymentId, ownerId } = await completedPaymentFor(stack, null);
    // A payout written, then the function died before StartExecution: the same record the starter writes.
    const started = await payoutReaching(stack, paymentId, ['failed']); // no details: its own run fails it
    const now = new Date().toISOString();
    const o = (await stack.directory.getOwner(ownerId))!;
    await stack.directory.putOwner({ ...o, paymentDetails: bank('910000000003') });
    const stranded: OwnerPayout = {
      ...started,
      id: newId(),
      paymentId: newId(),
      // Its own unit: one payout per unit and period, and `started` holds this one's.
      unitId: newId(),
      status: 'pending',
      errorMessage: '',
      attempts: [],
      attempt: 0,
      run: 1,
      amountPaise: paise(500_000),
      initiatedAt: now,
      updatedAt: now,
      version: 1,
    };
    await payoutsRepo(stack).createForPayment(stranded);

    const done = await eventually(
      async () => {
        const p = await payoutsRepo(stack).get(stranded.id);
        return p?.status === 'completed' ? p : null;
      },
      { timeoutMs: 20_000 },
    );
    expect((await executionOf(done.id)).status).toBe('SUCCEEDED');
    expect(await sandbox.transfersOf(done.id)).toEqual([expect.objectContaining({ create_calls: 1 })]);
    await logged(stack, { message: 'Payout run started by the reconciler', payout_id: done.id });
    await reconcilerActed(done.id);
  });

  it('an aborted execution is redriven and the payout completes', async () => {
    const account = '000000000007'; // PENDING for an hour (scaled to 18 s)
    const { paymentId } = await completedPaymentFor(stack, bank(account));
    const processing = await payoutReaching(stack, paymentId, ['processing']);
    await eventually(async () => ((await sandbox.transfersOf(processing.id)).length === 1 ? true : null));
    const executionArn = executionArnOf(stack, processing.id);
    await stack.sfn.send(new StopExecutionCommand({ executionArn, cause: 'stopped by a test' }));
    await eventually(async () =>
      (await stack.sfn.send(new DescribeExecutionCommand({ executionArn }))).redriveCount === 1 ? true : null,
    );
    await logged(stack, {
      message: 'Payout run redriven by the reconciler',
      payout_id: processing.id,
      execution_status: 'ABORTED',
    });
    // The redriven run goes on polling: it sees the transfer paid (its webhook is dropped).
    await sandbox.faults({ beneficiary: account, dropWebhooks: 1 });
    await sandbox.setStatus(processing.cashfreeTransferId!, 'SUCCESS', 'COMPLETED');
    await payoutReaching(stack, paymentId, ['completed']);
    expect(await waitForExecution(stack.sfn, executionArn, { timeoutMs: 60_000 })).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
    });
    expect(await sandbox.transfersOf(processing.id)).toEqual([expect.objectContaining({ create_calls: 1 })]);
  });

  it('an execution that failed on credentials is redriven once they work, with no second transfer', async () => {
    const account = '910000000004';
    await sandbox.faults({ beneficiary: account, createAuthFailures: 1 });
    const { paymentId } = await completedPaymentFor(stack, bank(account));
    const done = await payoutReaching(stack, paymentId, ['completed'], 20_000);
    const execution = await waitForExecution(stack.sfn, executionArnOf(stack, done.id), {
      timeoutMs: 60_000,
    });
    expect(execution).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(await sandbox.transfersOf(done.id)).toEqual([expect.objectContaining({ create_calls: 1 })]);
    await logged(stack, {
      message: 'Payout run redriven by the reconciler',
      payout_id: done.id,
      execution_status: 'FAILED',
      error: 'CashfreeAuthError',
    });
  });

  it('a manual retry whose StartExecution failed is started by the reconciler', async () => {
    const { paymentId, ownerId, directory } = await completedPaymentFor(stack, bank('000000000001'));
    const failed = await payoutReaching(stack, paymentId, ['failed']);
    const o = (await directory.getOwner(ownerId))!;
    await directory.putOwner({ ...o, paymentDetails: bank('910000000005') });
    await stepFunctionsFaults(stack, { executionName: `${failed.id}-2`, startExecutionFailures: 1 });
    const admin = await stack.issuer.issue({ role: 'admin', sub: 'ops' });
    const retried = await stack.api(`/api/owner-payouts/${failed.id}/manual_retry/`, {
      method: 'POST',
      token: admin,
    });
    expect(retried.status).toBe(503);
    expect(String(retried.body.detail)).toContain('could not be started');

    const done = await payoutReaching(stack, paymentId, ['completed'], 20_000);
    expect(done.run).toBe(2);
    expect((await executionOf(done.id, 2)).status).toBe('SUCCEEDED');
    await logged(stack, { message: 'Payout run started by the reconciler', payout_id: done.id, run: 2 });
  });

  it('a run that cannot be redriven is replaced by a new run', async () => {
    const { paymentId, ownerId, directory } = await completedPaymentFor(stack, bank('000000000001'));
    const failed = await payoutReaching(stack, paymentId, ['failed']);
    // Its execution ended in the PayoutFailed state. Were the payout then moved on outside a manual retry
    // (here: written back to retry_scheduled in the same run), that execution could never carry it on.
    expect(await executionOf(failed.id)).toMatchObject({ status: 'FAILED', error: 'PayoutFailed' });
    const o = (await directory.getOwner(ownerId))!;
    await directory.putOwner({ ...o, paymentDetails: bank('910000000006') });
    await payoutsRepo(stack).save(
      { ...failed, status: 'retry_scheduled', errorMessage: '', updatedAt: new Date().toISOString() },
      failed,
    );

    const done = await payoutReaching(stack, paymentId, ['completed'], 20_000);
    expect(done.run).toBe(2);
    expect((await executionOf(done.id, 2)).status).toBe('SUCCEEDED');
    await logged(stack, {
      message: 'Payout run restarted as a new run by the reconciler',
      payout_id: done.id,
      new_run: 2,
    });
  });
});
