import {
  DescribeExecutionCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForExecution } from '../../infra/local/stepfunctions';
import type { OwnerPayout } from '../../shared/domain/entities';
import { newId } from '../../shared/domain/ids';
import { cashfreeSignature } from '../../shared/payouts/cashfree-webhook';
import { payoutDetailResponse } from '../../shared/http/api-schemas';
import { DEMO } from '../../infra/local/demo';
import { startMissingPayouts } from '../../shared/payouts/start-payout';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import { eventually, logged, startTestStack } from '../support/local-stack';
import type { TestStack } from '../support/local-stack';
import {
  bank,
  completedPaymentFor,
  executionArnOf,
  historyOf,
  paymentCompletedOutsideTheStream,
  payoutOf,
  payoutReaching,
  payoutsRepo,
  sandboxControl,
  stepFunctionsFaults,
  upi,
} from '../support/payouts';

let stack: TestStack;
let sandbox: ReturnType<typeof sandboxControl>;

beforeAll(async () => {
  // A 2 s Cashfree timeout keeps the timeout cases quick; the attention window is 2 s so it can be seen.
  stack = await startTestStack({
    timeScale: 0.005,
    functionEnv: { PAYOUT_ATTENTION_AFTER_SECONDS: '2', CASHFREE_TIMEOUT_MS: '2000' },
  });
  sandbox = sandboxControl(stack);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

async function executionOf(payoutId: string, run = 1) {
  const executionArn = `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${payoutId}-${run}`;
  await eventually(() =>
    stack.sfn
      .send(new DescribeExecutionCommand({ executionArn }))
      .then(() => true)
      .catch(() => false),
  );
  return waitForExecution(stack.sfn, executionArn, { timeoutMs: 60_000 });
}

describe('payout workflow against the Cashfree sandbox', () => {
  it('happy path: one transfer, completed with the UTR, every attempt kept; measured costs', async () => {
    const { paymentId } = await completedPaymentFor(stack, bank('123456789012'), 1_500_050);
    const done = await payoutReaching(stack, paymentId, ['completed']);
    expect(done).toMatchObject({
      status: 'completed',
      beneficiaryType: 'bank',
      attempt: 1,
      retryCount: 0,
      errorMessage: '',
    });
    expect(done.cashfreeUtr).toMatch(/^UTR/);
    expect(done.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        transferId: `PAYOUT_${done.id}_1`,
        cashfreeStatus: 'SUCCESS',
        statusCode: 'COMPLETED',
      }),
    ]);
    const transfers = await sandbox.transfersOf(done.id);
    expect(transfers).toEqual([expect.objectContaining({ create_calls: 1, transfer_amount: 15000.5 })]);
    const execution = await executionOf(done.id);
    expect(execution.status).toBe('SUCCEEDED');

    // Figures for the issue's closing note, from this run.
    const { events } = await historyOf(stack, done.id);
    const transitions = events.filter((e) => e.type?.endsWith('StateEntered')).length;
    const taskInvocations = events.filter((e) => e.type === 'TaskStateEntered').length;
    const payoutWrites = (await payoutsRepo(stack).get(done.id))!.version - 1 + 2; // saves + the create transaction's 2 items
    console.log(
      `happy-path payout: ${transitions} state transitions, ${taskInvocations} task Lambda invocations, ${payoutWrites} payout-table item writes`,
    );
    expect(transitions).toBeGreaterThanOrEqual(6);
  });

  it('pays a UPI owner with mode upi', async () => {
    const { paymentId } = await completedPaymentFor(stack, upi('asha.verma@okicici'));
    const done = await payoutReaching(stack, paymentId, ['completed']);
    expect(done.beneficiaryType).toBe('upi');
  });

  it.each([
    ['no payment method', null, 'owner has no payment method configured'],
    ['a bad IFSC', bank('123456789012', 'HDFC1001234'), 'IFSC code "HDFC1001234" is invalid'],
    ['a short account number', bank('12345'), 'must be 9 to 18 digits'],
    ['a bad VPA', upi('owner@'), 'not a valid VPA'],
  ])(
    'validation: %s fails the payout with a reason, without calling Cashfree',
    async (_name, details, reason) => {
      const { paymentId } = await completedPaymentFor(stack, details);
      const failed = await payoutReaching(stack, paymentId, ['failed']);
      expect(failed.errorMessage).toMatch(/^Payout validation failed: /);
      expect(failed.errorMessage).toContain(reason);
      expect(failed.attempts).toEqual([]);
      expect(await sandbox.transfersOf(failed.id)).toEqual([]);
      const execution = await executionOf(failed.id);
      expect(execution).toMatchObject({ status: 'FAILED', error: 'PayoutFailed' });
      await logged(stack, {
        message: 'Payout validation failed',
        payout_id: failed.id,
        payment_id: paymentId,
      });
    },
  );

  it.each([
    ['000000000001', 'INVALID_BENE_ACCOUNT_OR_IFSC'],
    ['000000000002', 'ACCOUNT_BLOCKED'],
    ['000000000003', 'BENE_BLACKLISTED'],
  ])('permanent failure %s (%s) fails at once', async (account, code) => {
    const { paymentId } = await completedPaymentFor(stack, bank(account));
    const failed = await payoutReaching(stack, paymentId, ['failed']);
    expect(failed.errorMessage).toContain(code);
    expect(failed.retryCount).toBe(0);
    expect(await sandbox.transfersOf(failed.id)).toHaveLength(1);
    expect((await executionOf(failed.id)).status).toBe('FAILED');
    await logged(stack, { message: 'Owner payout failed', payout_id: failed.id });
  });

  it('permanent failure by VPA', async () => {
    const { paymentId } = await completedPaymentFor(stack, upi('failvpa@upi'));
    const failed = await payoutReaching(stack, paymentId, ['failed']);
    expect(failed.errorMessage).toContain('INVALID_BENE_VPA');
  });

  it('a retryable failure is retried with a new transfer id and then succeeds', async () => {
    const { paymentId } = await completedPaymentFor(stack, bank('000000000006'));
    const done = await payoutReaching(stack, paymentId, ['completed']);
    expect(done.retryCount).toBe(1);
    expect(done.attempts.map((a) => [a.transferId, a.cashfreeStatus, a.statusCode])).toEqual([
      [`PAYOUT_${done.id}_1`, 'FAILED', 'WAIT_TIME_EXCEEDED'],
      [`PAYOUT_${done.id}_2`, 'SUCCESS', 'COMPLETED'],
    ]);
    expect((await sandbox.transfersOf(done.id)).map((t) => t.create_calls)).toEqual([1, 1]);
  });

  it('stops after the configured automatic attempts', async () => {
    const { paymentId } = await completedPaymentFor(stack, bank('000000000005'));
    const failed = await payoutReaching(stack, paymentId, ['failed'], 60_000);
    expect(failed.attempts).toHaveLength(3);
    expect(failed.retryCount).toBe(2);
    expect(failed.errorMessage).toContain('WAIT_TIME_EXCEEDED');
  });

  it('REVERSED after SUCCESS marks the payout reversed and raises the alarm line', async () => {
    const { paymentId } = await completedPaymentFor(stack, bank('000000000009'));
    const reversed = await payoutReaching(stack, paymentId, ['reversed']);
    expect(reversed.completedAt).toEqual(expect.any(String));
    expect(reversed.needsAttention).toBe(true);
    expect(reversed.errorMessage).toContain('INVALID_ACCOUNT_FAIL');
    await logged(stack, {
      message: 'Owner payout reversed',
      payout_id: reversed.id,
      alarm: 'PayoutReversed',
    });
  });

  it('never fails a payout while Cashfree says it is pending; flags it for attention and keeps checking', async () => {
    const { paymentId } = await completedPaymentFor(stack, bank('000000000007'));
    const flagged = await eventually(async () => {
      const p = await payoutsRepo(stack).getByPaymentId(paymentId);
      return p?.needsAttention ? p : null;
    });
    expect(flagged.status).toBe('processing');
    expect(flagged.attempts[0]).toMatchObject({
      cashfreeStatus: 'PENDING',
      statusCode: 'SCHEDULED_FOR_NEXT_WORKINGDAY',
    });
  });
});

describe('unknown outcomes never double-pay', () => {
  // Each case's faults are scoped to its own beneficiary, so another test's payout still polling Cashfree cannot
  // use them up, and each case checks that every fault it set was spent on its own payout.
  it.each([
    ['accepted, then a timeout', '234567890101', { createTimeoutsAfterAccept: 1 }],
    ['accepted, then a 502', '234567890102', { createErrorsAfterAccept: 1 }],
    ['a 500 before accepting', '234567890103', { createErrorsBeforeAccept: 1 }],
    ['a timeout before accepting', '234567890104', { createTimeoutsBeforeAccept: 1 }],
    ['a 429 with rate-limit headers', '234567890105', { rateLimit: { count: 1, retryAfterSeconds: 1 } }],
    // Its webhook is dropped too, so that only a status check can complete the payout: the three failing
    // checks then come first.
    ['status checks failing', '234567890106', { statusErrors: 3, dropWebhooks: 1 }],
    // A 4xx on the status read says nothing about the transfer: the attempt stays unknown and is asked again,
    // never failed (the transfer it asked about was accepted). Its webhook is dropped, so that only a status
    // read can complete the payout, after both refused reads.
    [
      'accepted, then a 502, and the status reads asking about it refused with a 400',
      '234567890107',
      { createErrorsAfterAccept: 1, statusClientErrors: 2, dropWebhooks: 1 },
    ],
    ['status checks refused with a 400', '234567890108', { statusClientErrors: 3, dropWebhooks: 1 }],
  ])(
    '%s ends with exactly one transfer at Cashfree',
    async (_name, account, faults) => {
      await sandbox.faults({ beneficiary: account, ...faults });
      const { paymentId } = await completedPaymentFor(stack, bank(account));
      const done = await payoutReaching(stack, paymentId, ['completed'], 60_000);
      const transfers = await sandbox.transfersOf(done.id);
      expect(transfers).toHaveLength(1);
      expect(transfers[0]!.create_calls).toBe(1);
      expect(done.attempts).toHaveLength(1);
      const left = await sandbox.faultsOf(account);
      for (const key of Object.keys(faults))
        expect(left[key], `${key} spent on this payout`).toEqual(
          key === 'rateLimit' ? { count: 0, retryAfterSeconds: 1 } : 0,
        );
    },
    90_000,
  );

  it('duplicate webhooks racing the poll complete the payout once', async () => {
    await sandbox.faults({ beneficiary: '345678901234', duplicateWebhooks: 4 });
    const { paymentId } = await completedPaymentFor(stack, bank('345678901234'));
    const done = await payoutReaching(stack, paymentId, ['completed']);
    expect(await sandbox.faultsOf('345678901234')).toMatchObject({ duplicateWebhooks: 0 });
    await logged(stack, { message: 'Owner payout completed', payout_id: done.id });
    await new Promise((r) => setTimeout(r, 300));
    const after = await payoutsRepo(stack).get(done.id);
    expect(after!.status).toBe('completed');
    expect(
      stack.logs.filter((l) => l.entry.message === 'Owner payout completed' && l.entry.payout_id === done.id),
    ).toHaveLength(1);
  });

  it('a balance that runs out fails the attempt with INSUFFICIENT_BALANCE and retries it', async () => {
    await sandbox.setBalance(100);
    const { paymentId } = await completedPaymentFor(stack, bank('456789012345'));
    const retrying = await payoutReaching(stack, paymentId, ['retry_scheduled', 'processing'], 30_000);
    await eventually(async () => {
      const p = await payoutsRepo(stack).get(retrying.id);
      return p && p.attempts.length >= 1 && p.attempts[0]!.statusCode === 'INSUFFICIENT_BALANCE' ? p : null;
    });
    await sandbox.setBalance(10_000_000_000);
    const done = await payoutReaching(stack, paymentId, ['completed'], 60_000);
    expect(done.attempts[0]!.statusCode).toBe('INSUFFICIENT_BALANCE');
    expect(done.retryCount).toBeGreaterThanOrEqual(1);
  }, 90_000);
});

describe('redrive and manual retry', () => {
  it('redrives after a failure at ValidatePayout', async () => {
    // An execution that starts before its payout exists fails at ValidatePayout (PayoutNotFoundError).
    const payoutId = newId();
    const { executionArn } = await stack.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArn,
        name: `${payoutId}-1`,
        input: JSON.stringify({ payoutId, run: 1, step: 'start', checks: 0, waitSeconds: 0 }),
      }),
    );
    const failed = await waitForExecution(stack.sfn, executionArn!);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'PayoutNotFoundError' });
    const { paymentId } = await completedPaymentFor(stack, bank('567890123456'));
    const real = await payoutOf(stack, paymentId);
    // Make the failed execution's payout the real one, then redrive it.
    const copy: OwnerPayout = {
      ...real,
      id: payoutId,
      paymentId: newId(),
      // Another unit's rent: one unit and period is paid out once.
      unitId: newId(),
      status: 'pending',
      attempts: [],
      attempt: 0,
      version: 1,
    };
    await payoutsRepo(stack).createForPayment(copy);
    await stack.sfn.send(new RedriveExecutionCommand({ executionArn: executionArn! }));
    const done = await waitForExecution(stack.sfn, executionArn!, { timeoutMs: 60_000 });
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(await sandbox.transfersOf(payoutId)).toEqual([
      expect.objectContaining({ create_calls: 1, status: 'SUCCESS' }),
    ]);
  }, 90_000);

  it.each([
    // Scoped to this beneficiary's transfer creation: no other payout's call can use it up.
    ['SubmitTransfer', '678901234567', { createAuthFailures: 1 }],
    ['CheckTransfer', '000000000008', null],
  ])(
    'redrives after credentials fail at %s, with no second transfer',
    async (state, account, faults) => {
      if (faults) await sandbox.faults({ beneficiary: account, ...faults });
      const { paymentId } = await completedPaymentFor(stack, bank(account));
      const payout = await payoutOf(stack, paymentId);
      if (!faults) {
        // Let the transfer be accepted, then make its status checks fail on credentials.
        await eventually(async () => ((await sandbox.transfersOf(payout.id)).length === 1 ? true : null));
        await sandbox.faults({ beneficiary: account, authFailures: 1000 });
      }
      const failed = await executionOf(payout.id);
      expect(failed).toMatchObject({
        status: 'FAILED',
        error: 'CashfreeAuthError',
        redriveStatus: 'REDRIVABLE',
      });
      await sandbox.faults({ beneficiary: account, authFailures: 0 });
      await stack.sfn.send(new RedriveExecutionCommand({ executionArn: failed.executionArn! }));
      if (state === 'CheckTransfer') {
        const [t] = await sandbox.transfersOf(payout.id);
        await fetch(
          `${stack.urls.cashfree.replace(/\/payout$/, '')}/_sandbox/transfers/${t!.transfer_id}/advance`,
          { method: 'POST' },
        );
      }
      const done = await waitForExecution(stack.sfn, failed.executionArn!, { timeoutMs: 60_000 });
      expect(done.status).toBe('SUCCEEDED');
      const transfers = await sandbox.transfersOf(payout.id);
      expect(transfers).toHaveLength(1);
      expect(transfers[0]!.create_calls).toBe(1);
    },
    90_000,
  );

  it('manual retry after fixing the details: a new run with the next attempt number and the new details', async () => {
    const { paymentId, ownerId, directory } = await completedPaymentFor(stack, bank('000000000001'));
    const failed = await payoutReaching(stack, paymentId, ['failed']);
    const admin = await stack.issuer.issue({ role: 'admin', sub: 'ops' });
    const owner = await stack.issuer.issue({ role: 'owner', sub: 'o', ownerId });
    // Only admins, and only failed payouts.
    expect(
      (await stack.api(`/api/owner-payouts/${failed.id}/manual_retry/`, { method: 'POST', token: owner }))
        .status,
    ).toBe(403);
    const o = (await directory.getOwner(ownerId))!;
    await directory.putOwner({ ...o, paymentDetails: bank('789012345678') });
    // An operator's flag stays until an operator clears it: a retry does not clear it.
    await payoutsRepo(stack).save({ ...failed, needsAttention: true }, failed);
    const retried = await stack.api(`/api/owner-payouts/${failed.id}/manual_retry/`, {
      method: 'POST',
      token: admin,
    });
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('retry_scheduled');
    expect(retried.body.needs_attention).toBe(true);
    payoutDetailResponse.parse(retried.body);
    const done = await payoutReaching(stack, paymentId, ['completed']);
    expect(done.run).toBe(2);
    expect(done.attempts.map((a) => a.transferId)).toEqual([`PAYOUT_${done.id}_1`, `PAYOUT_${done.id}_2`]);
    expect((await executionOf(done.id, 2)).status).toBe('SUCCEEDED');
    const again = await stack.api(`/api/owner-payouts/${done.id}/manual_retry/`, {
      method: 'POST',
      token: admin,
    });
    expect(again.status).toBe(409);
    expect(String(again.body.detail)).toContain('completed');
    expect(
      (await stack.api(`/api/owner-payouts/NOPE/manual_retry/`, { method: 'POST', token: admin })).status,
    ).toBe(404);
  }, 90_000);
});

describe('manual retry asks Cashfree first', () => {
  it('refuses while an earlier attempt is in flight or has paid, saying which and what Cashfree said', async () => {
    const account = '000000000011'; // PENDING until the test sets its status
    const { paymentId } = await completedPaymentFor(stack, bank(account));
    const processing = await payoutReaching(stack, paymentId, ['processing']);
    const transferId = processing.cashfreeTransferId!;
    await eventually(async () => ((await sandbox.transfersOf(processing.id)).length === 1 ? true : null));
    // The payout was concluded failed while its transfer was still in flight at Cashfree (what a refused status
    // read used to do), and its run is over.
    await stack.sfn.send(new StopExecutionCommand({ executionArn: executionArnOf(stack, processing.id) }));
    const current = (await payoutsRepo(stack).get(processing.id))!;
    await payoutsRepo(stack).save(
      { ...current, status: 'failed', errorMessage: 'Cashfree rejected the transfer: bad request' },
      current,
    );
    const admin = await stack.issuer.issue({ role: 'admin', sub: 'ops' });
    const retry = () =>
      stack.api(`/api/owner-payouts/${processing.id}/manual_retry/`, { method: 'POST', token: admin });

    const inFlight = await retry();
    expect(inFlight.status).toBe(409);
    expect(String(inFlight.body.detail)).toContain(`Attempt 1 (${transferId}) is PENDING at Cashfree`);
    const unchanged = (await payoutsRepo(stack).get(processing.id))!;
    expect(unchanged).toMatchObject({ status: 'failed', run: 1, attempt: 1 });
    expect(await sandbox.transfersOf(processing.id)).toHaveLength(1);

    // Cashfree pays it and the webhook is lost: the next click learns it, completes the payout, and refuses.
    await sandbox.faults({ beneficiary: account, dropWebhooks: 1 });
    const paid = await sandbox.setStatus(transferId, 'SUCCESS', 'COMPLETED');
    const success = await retry();
    expect(success.status).toBe(409);
    expect(String(success.body.detail)).toContain(
      `Attempt 1 (${transferId}) is SUCCESS at Cashfree, UTR ${paid.transfer_utr}`,
    );
    expect(String(success.body.detail)).toContain('the payout is now completed');
    expect(await payoutsRepo(stack).get(processing.id)).toMatchObject({
      status: 'completed',
      cashfreeTransferId: transferId,
      cashfreeUtr: paid.transfer_utr,
      run: 1,
    });
    expect(await sandbox.transfersOf(processing.id)).toHaveLength(1);
  });

  it('a retry whose StartExecution failed answers 503 and is started by clicking again', async () => {
    const { paymentId, ownerId, directory } = await completedPaymentFor(stack, bank('000000000001'));
    const failed = await payoutReaching(stack, paymentId, ['failed']);
    const o = (await directory.getOwner(ownerId))!;
    await directory.putOwner({ ...o, paymentDetails: bank('789012345679') });
    await stepFunctionsFaults(stack, { executionName: `${failed.id}-2`, startExecutionFailures: 1 });
    const admin = await stack.issuer.issue({ role: 'admin', sub: 'ops' });
    const retry = () =>
      stack.api(`/api/owner-payouts/${failed.id}/manual_retry/`, { method: 'POST', token: admin });

    const first = await retry();
    expect(first.status).toBe(503);
    expect(String(first.body.detail)).toContain('could not be started');
    expect(await payoutsRepo(stack).get(failed.id)).toMatchObject({ status: 'retry_scheduled', run: 2 });
    await expect(
      stack.sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(stack, failed.id, 2) })),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });

    const second = await retry();
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'retry_scheduled', retry_count: 1 });
    const done = await payoutReaching(stack, paymentId, ['completed']);
    expect(done).toMatchObject({ run: 2, retryCount: 1 });
    expect((await executionOf(done.id, 2)).status).toBe('SUCCEEDED');
    expect((await retry()).status).toBe(409);
  });
});

describe('Cashfree webhook endpoint', () => {
  const post = (body: string, headers: Record<string, string>) =>
    stack.api('/api/webhooks/cashfree/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('rejects a missing, wrong or stale signature with 401 and changes nothing', async () => {
    const { paymentId } = await completedPaymentFor(stack, bank('000000000008'));
    const payout = await payoutReaching(stack, paymentId, ['processing']);
    const body = JSON.stringify({
      type: 'TRANSFER_SUCCESS',
      event_time: '2026-01-01T00:00:00',
      data: {
        transfer_id: `PAYOUT_${payout.id}_1`,
        status: 'SUCCESS',
        status_code: 'COMPLETED',
        transfer_utr: 'FORGED',
      },
    });
    const secret = stack.credentials.cashfree.clientSecret;
    const now = String(Date.now());
    const stale = String(Date.now() - 10 * 60 * 1000);
    expect((await post(body, {})).status).toBe(401);
    expect(
      (
        await post(body, {
          'x-webhook-timestamp': now,
          'x-webhook-signature': cashfreeSignature('wrong-secret', now, body),
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await post(body, {
          'x-webhook-timestamp': stale,
          'x-webhook-signature': cashfreeSignature(secret, stale, body),
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await post(`${body} `, {
          'x-webhook-timestamp': now,
          'x-webhook-signature': cashfreeSignature(secret, now, body),
        })
      ).status,
    ).toBe(401);
    const after = await payoutsRepo(stack).get(payout.id);
    expect(after!.status).toBe('processing');
    expect(after!.cashfreeUtr).toBeNull();
  });

  it('applies an authentic status through the transition function; bad bodies are 400', async () => {
    const secret = stack.credentials.cashfree.clientSecret;
    const sign = (body: string) => {
      const ts = String(Date.now());
      return { 'x-webhook-timestamp': ts, 'x-webhook-signature': cashfreeSignature(secret, ts, body) };
    };
    const bad = '{"data":{"no":"transfer"}}';
    expect((await post(bad, sign(bad))).status).toBe(400);
    const malformed = '{"data":';
    expect((await post(malformed, sign(malformed))).status).toBe(400);
    const unknown = JSON.stringify({
      type: 'TRANSFER_SUCCESS',
      data: { transfer_id: 'SOMEONE_ELSES', status: 'SUCCESS' },
    });
    expect((await post(unknown, sign(unknown))).status).toBe(200);
  });

  it('a late SUCCESS for a failed payout completes it with that transfer and its UTR', async () => {
    const { paymentId } = await completedPaymentFor(stack, bank('000000000002'));
    const failed = await payoutReaching(stack, paymentId, ['failed']);
    expect(failed.errorMessage).toContain('ACCOUNT_BLOCKED');
    // Cashfree changes its mind: the transfer was paid after all, and its webhook says so.
    const paid = await sandbox.setStatus(failed.cashfreeTransferId!, 'SUCCESS', 'COMPLETED');
    const completed = await payoutReaching(stack, paymentId, ['completed']);
    expect(completed).toMatchObject({
      cashfreeTransferId: failed.cashfreeTransferId,
      cashfreeUtr: paid.transfer_utr,
      errorMessage: '',
    });
    expect(completed.attempts[0]).toMatchObject({ cashfreeStatus: 'SUCCESS', utr: paid.transfer_utr });
    await logged(stack, {
      message: 'Owner payout completed by a late Cashfree success',
      payout_id: failed.id,
      from_status: 'failed',
    });
  });

  it('a stale PENDING after SUCCESS leaves the attempt history as it was', async () => {
    const secret = stack.credentials.cashfree.clientSecret;
    const { paymentId } = await completedPaymentFor(stack, bank('345678901299'));
    const done = await payoutReaching(stack, paymentId, ['completed']);
    await logged(stack, { message: 'Owner payout completed', payout_id: done.id });
    const stale = JSON.stringify({
      type: 'TRANSFER_ACKNOWLEDGED',
      event_time: '2026-01-01T00:00:00',
      data: { transfer_id: done.cashfreeTransferId, status: 'PENDING', status_code: 'SENT_TO_BANK' },
    });
    const before = (await payoutsRepo(stack).get(done.id))!;
    const ts = String(Date.now());
    const res = await post(stale, {
      'x-webhook-timestamp': ts,
      'x-webhook-signature': cashfreeSignature(secret, ts, stale),
    });
    expect(res.status).toBe(200);
    await logged(stack, { message: 'Stale Cashfree status ignored', payout_id: done.id });
    const after = (await payoutsRepo(stack).get(done.id))!;
    expect(after.attempts[0]).toMatchObject({ cashfreeStatus: 'SUCCESS', statusCode: 'COMPLETED' });
    expect(after).toEqual(before);
  });
});

describe('check_status', () => {
  it('asks Cashfree and applies the answer; owners see only their own; one check per window', async () => {
    const { paymentId, ownerId } = await completedPaymentFor(stack, bank('000000000008'));
    const payout = await payoutReaching(stack, paymentId, ['processing']);
    await eventually(async () => ((await sandbox.transfersOf(payout.id)).length === 1 ? true : null));
    const [transfer] = await sandbox.transfersOf(payout.id);
    // Cashfree moves it on (approval given, then paid) before any webhook or poll has told us.
    const base = stack.urls.cashfree.replace(/\/payout$/, '');
    await sandbox.faults({ beneficiary: '000000000008', dropWebhooks: 5 });
    await fetch(`${base}/_sandbox/transfers/${transfer!.transfer_id}/advance`, { method: 'POST' });
    const owner = await stack.issuer.issue({ role: 'owner', sub: 'o', ownerId });
    const stranger = await stack.issuer.issue({ role: 'owner', sub: 's', ownerId: newId() });
    expect(
      (await stack.api(`/api/owner-payouts/${payout.id}/check_status/`, { token: stranger })).status,
    ).toBe(404);
    const checked = await stack.api(`/api/owner-payouts/${payout.id}/check_status/`, { token: owner });
    expect(checked.status).toBe(200);
    payoutDetailResponse.parse(checked.body);
    expect(checked.body).toMatchObject({
      id: payout.id,
      status: 'completed',
      cashfree_transfer_id: transfer!.transfer_id,
    });
    expect(checked.body.cashfree_utr).toEqual(expect.any(String));
    const again = await stack.api(`/api/owner-payouts/${payout.id}/check_status/`, { token: owner });
    expect(again.status).toBe(429);
    await sandbox.faults({ beneficiary: '000000000008', dropWebhooks: 0 });
  });
});

describe('check_status when Cashfree refuses the status read', () => {
  it('answers 503 and changes nothing', async () => {
    const account = '000000000007'; // PENDING for an hour (scaled): the payout stays processing meanwhile
    const { paymentId, ownerId } = await completedPaymentFor(stack, bank(account));
    const payout = await payoutReaching(stack, paymentId, ['processing']);
    await eventually(async () => ((await sandbox.transfersOf(payout.id)).length === 1 ? true : null));
    const owner = await stack.issuer.issue({ role: 'owner', sub: 'o', ownerId });
    await sandbox.faults({ beneficiary: account, statusClientErrors: 1000 });
    try {
      const refused = await stack.api(`/api/owner-payouts/${payout.id}/check_status/`, { token: owner });
      expect(refused.status).toBe(503);
      expect(String(refused.body.detail)).toContain('Cashfree did not answer');
      const after = (await payoutsRepo(stack).get(payout.id))!;
      expect(after.status).toBe('processing');
      expect(after.errorMessage).toBe('');
      expect(after.attempts.map((a) => a.cashfreeStatus)).not.toContain('FAILED');
    } finally {
      await sandbox.faults({ beneficiary: account, statusClientErrors: 0 });
    }
  });
});

describe('the reconciler starts payouts the stream missed', () => {
  it('one payment whose start fails is counted and does not hold back the next; the next run starts it', async () => {
    const payments = new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
    // Oldest first; written completed in one go, so the stream's payout starter never sees them.
    const brokenOwnerId = newId();
    const written: string[] = [];
    for (const ownerId of [brokenOwnerId, DEMO.ownerId])
      written.push(await paymentCompletedOutsideTheStream(stack, ownerId, '2030-07'));
    const [brokenId, fineId] = written as [string, string];
    // The directory fails for the first payment's owner only (an outage seen by one call).
    let directoryDown = true;
    const directory = new Proxy(stack.directory, {
      get: (target, property, receiver) =>
        property === 'getOwner'
          ? async (ownerId: string) => {
              if (directoryDown && ownerId === brokenOwnerId) throw new Error('directory unavailable');
              return target.getOwner(ownerId);
            }
          : (Reflect.get(target, property, receiver) as unknown),
    });
    const deps = {
      payments,
      payouts: payoutsRepo(stack),
      directory,
      sfn: stack.sfn,
      stateMachineArn: stack.stateMachineArn,
      now: () => new Date(),
    };
    // The stack's own reconciler waits the default 120 s grace; this run looks at everything completed so far.
    const before = new Date(Date.now() + 1000).toISOString();
    expect(await startMissingPayouts(deps, before)).toEqual({ payoutsStarted: 1, payoutStartsFailed: 1 });
    const fine = await payoutsRepo(stack).getByPaymentId(fineId);
    expect((await payments.get(fineId))?.payoutId).toBe(fine?.id);
    expect(await payoutsRepo(stack).getByPaymentId(brokenId)).toBeNull();

    directoryDown = false;
    expect(await startMissingPayouts(deps, before)).toEqual({ payoutsStarted: 1, payoutStartsFailed: 0 });
    const started = await payoutsRepo(stack).getByPaymentId(brokenId);
    expect((await payments.get(brokenId))?.payoutId).toBe(started?.id);
    expect(await startMissingPayouts(deps, before)).toEqual({ payoutsStarted: 0, payoutStartsFailed: 0 });
  });
});
