import { DescribeStateMachineCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, demoTokens } from '../../infra/local/demo';
import { waitForExecution } from '../../infra/local/stepfunctions';
import { resourcesOfType, synthesizeTemplates } from '../../infra/local/template';
import { paymentResponse, payoutDetailResponse } from '../../shared/http/api-schemas';
import { expectedAuthorization } from '../../shared/payments/phonepe-webhook';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';
import { eventually, logged, startTestStack } from '../support/local-stack';
import type { TestStack } from '../support/local-stack';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

let stack: TestStack;
let tokens: Awaited<ReturnType<typeof demoTokens>>;

beforeAll(async () => {
  stack = await startTestStack();
  tokens = await demoTokens(stack);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const CONTRACT_FIELDS = [
  'id',
  'payment_id',
  'owner_id',
  'amount',
  'status',
  'beneficiary_type',
  'cashfree_transfer_id',
  'cashfree_utr',
  'retry_count',
  'initiated_at',
  'completed_at',
  'error_message',
];

describe('a rent payment becomes an owner payout, over HTTP on the local stack', () => {
  it('creates the payment, completes it through PhonePe, pays the owner once through Cashfree', async () => {
    // 1. The tenant starts the payment; the amount is the unit's rent, not the client's.
    const created = await stack.api('/api/payments/', {
      method: 'POST',
      token: tokens.tenant,
      json: { unit_id: DEMO.unitId, period: '2031-04' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'pending',
      amount: '15000.00',
      unit_id: DEMO.unitId,
      period: '2031-04',
    });
    expect(String(created.body.checkout_url)).toContain(stack.urls.phonepe);
    const paymentId = String(created.body.id);
    const merchantOrderId = String(created.body.merchant_order_id);

    // Repeating the request returns the same pending payment and checkout URL.
    const again = await stack.api('/api/payments/', {
      method: 'POST',
      token: tokens.tenant,
      json: { unit_id: DEMO.unitId, period: '2031-04' },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(paymentId);
    expect(again.body.checkout_url).toBe(created.body.checkout_url);

    // 2-3. The PhonePe sandbox completes it and calls the webhook; the order-status API confirms it.
    const paid = await fetch(`${stack.urls.phonepe}/_sandbox/orders/${merchantOrderId}/complete`, {
      method: 'POST',
    });
    expect(paid.status).toBe(200);
    const payment = await eventually(async () => {
      const r = await stack.api(`/api/payments/${paymentId}/`, { token: tokens.tenant });
      return r.body.status === 'completed' ? r.body : null;
    });
    expect(payment.completed_at).toEqual(expect.any(String));
    const webhooks = (await (await fetch(`${stack.urls.phonepe}/_sandbox/webhooks`)).json()) as {
      webhooks: { merchantOrderId: string; status: number }[];
    };
    expect(
      webhooks.webhooks.filter((w) => w.merchantOrderId === merchantOrderId).map((w) => w.status),
    ).toEqual([200]);

    // 4. The stream starts the payout: one OwnerPayout and its execution.
    const payouts = new DynamoPayoutRepository(stack.documentClient, stack.tables.payouts);
    const payout = await eventually(() => payouts.getByPaymentId(paymentId));

    // 5-6. The workflow pays through Cashfree; the owner reads the contract fields.
    const view = await eventually(async () => {
      const r = await stack.api(`/api/owner-payouts/${payout.id}/`, { token: tokens.owner });
      return r.body.status === 'completed' ? r : null;
    });
    expect(view.status).toBe(200);
    payoutDetailResponse.parse(view.body);
    paymentResponse.parse(payment);
    for (const field of CONTRACT_FIELDS) expect(view.body).toHaveProperty(field);
    expect(view.body).toMatchObject({
      id: payout.id,
      payment_id: paymentId,
      owner_id: DEMO.ownerId,
      amount: '15000.00',
      status: 'completed',
      beneficiary_type: 'bank',
      cashfree_transfer_id: `PAYOUT_${payout.id}_1`,
      retry_count: 0,
      error_message: '',
    });
    expect(view.body.cashfree_utr).toMatch(/^UTR/);
    expect(Date.parse(String(view.body.completed_at))).toBeGreaterThanOrEqual(
      Date.parse(String(view.body.initiated_at)),
    );
    expect(JSON.stringify(view.body)).not.toContain('1234567890');

    // Exactly one transfer reached Cashfree, with the amount in rupees.
    const cf = (await (
      await fetch(`${stack.urls.cashfree.replace(/\/payout$/, '')}/_sandbox/transfers`)
    ).json()) as {
      transfers: { transfer_id: string; transfer_amount: number; create_calls: number; status: string }[];
    };
    const mine = cf.transfers.filter((t) => t.transfer_id.startsWith(`PAYOUT_${payout.id}_`));
    expect(mine).toEqual([
      expect.objectContaining({ transfer_amount: 15000, create_calls: 1, status: 'SUCCESS' }),
    ]);

    // One execution named after the payout and its run, succeeded. (A Cashfree webhook may complete the payout
    // before the workflow's next poll; the run then ends at that poll.)
    const executionArn = `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${payout.id}-1`;
    expect((await waitForExecution(stack.sfn, executionArn, { timeoutMs: 30_000 })).status).toBe('SUCCEEDED');
    const executions = await stack.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn }),
    );
    expect(executions.executions?.filter((e) => e.name?.startsWith(payout.id)).map((e) => e.name)).toEqual([
      `${payout.id}-1`,
    ]);

    // The operators' log lines, with their ids (the last one waited for: logs arrive on their own channel).
    await logged(stack, { message: 'Cashfree transfer initiated', payout_id: payout.id, attempt: 1 });
    const messages = stack.logs.map((l) => l.entry);
    expect(messages).toContainEqual(
      expect.objectContaining({
        message: 'Owner payout initiated',
        payout_id: payout.id,
        payment_id: paymentId,
        owner_id: DEMO.ownerId,
      }),
    );
    expect(messages).toContainEqual(
      expect.objectContaining({ message: 'Cashfree transfer initiated', payout_id: payout.id, attempt: 1 }),
    );

    // A completed period answers 409.
    const paidAgain = await stack.api('/api/payments/', {
      method: 'POST',
      token: tokens.tenant,
      json: { unit_id: DEMO.unitId, period: '2031-04' },
    });
    expect(paidAgain.status).toBe(409);

    // Another owner, or the tenant, cannot see the payout: 404, no existence leak.
    const stranger = await stack.issuer.issue({
      role: 'owner',
      sub: 'other-owner',
      ownerId: '01JB0DEM00000000000THER0WN',
    });
    expect((await stack.api(`/api/owner-payouts/${payout.id}/`, { token: stranger })).status).toBe(404);
    expect((await stack.api(`/api/owner-payouts/${payout.id}/`, { token: tokens.tenant })).status).toBe(404);
    expect((await stack.api(`/api/owner-payouts/${payout.id}/`, { token: tokens.admin })).status).toBe(200);
  });
});

describe('bad input gets a clear 4xx and writes nothing', () => {
  const webhookAuth = () =>
    expectedAuthorization(
      stack.credentials.phonepe.webhookUsername,
      stack.credentials.phonepe.webhookPassword,
    );

  it.each([
    ['malformed JSON', '{"unit_id":', 400, /Malformed JSON/],
    ['wrong types', { unit_id: 42, period: 202604 }, 400, /Invalid request body/],
    ['a bad period', { unit_id: DEMO.unitId, period: '2031-13' }, 400, /Invalid request body/],
    [
      'unknown fields',
      { unit_id: DEMO.unitId, period: '2031-05', amount: '1.00' },
      400,
      /Invalid request body/,
    ],
    ['an empty body', '', 400, /required/],
  ])('POST /api/payments/ with %s', async (_name, json, status, detail) => {
    const before = await stack.countItems('payments');
    const r = await stack.api('/api/payments/', { method: 'POST', token: tokens.tenant, json });
    expect(r.status).toBe(status);
    expect(String(r.body.detail)).toMatch(detail);
    expect(await stack.countItems('payments')).toBe(before);
  });

  it('POST /api/payments/ without a token, with a forged one, or as an owner', async () => {
    expect(
      (
        await stack.api('/api/payments/', {
          method: 'POST',
          json: { unit_id: DEMO.unitId, period: '2031-05' },
        })
      ).status,
    ).toBe(401);
    const forged = `${tokens.tenant.slice(0, -4)}AAAA`;
    expect(
      (
        await stack.api('/api/payments/', {
          method: 'POST',
          token: forged,
          json: { unit_id: DEMO.unitId, period: '2031-05' },
        })
      ).status,
    ).toBe(401);
    const expired = await stack.issuer.issue({
      role: 'tenant',
      sub: 't',
      tenantId: DEMO.tenantId,
      ttlSeconds: 1,
    });
    await new Promise((r) => setTimeout(r, 1100));
    expect(
      (
        await stack.api('/api/payments/', {
          method: 'POST',
          token: expired,
          json: { unit_id: DEMO.unitId, period: '2031-05' },
        })
      ).status,
    ).toBe(401);
    const asOwner = await stack.api('/api/payments/', {
      method: 'POST',
      token: tokens.owner,
      json: { unit_id: DEMO.unitId, period: '2031-05' },
    });
    expect(asOwner.status).toBe(403);
    const otherUnit = await stack.api('/api/payments/', {
      method: 'POST',
      token: tokens.tenant,
      json: { unit_id: '01JB0DEM0000000000000THER0', period: '2031-05' },
    });
    expect(otherUnit.status).toBe(404);
  });

  it.each([
    [
      'no Authorization header',
      undefined,
      '{"event":"checkout.order.completed","payload":{"merchantOrderId":"RENT_X","state":"COMPLETED"}}',
      401,
    ],
    [
      'a wrong Authorization header',
      'a'.repeat(64),
      '{"event":"checkout.order.completed","payload":{"merchantOrderId":"RENT_X","state":"COMPLETED"}}',
      401,
    ],
    ['malformed JSON', 'valid', '{"event":', 400],
    [
      'no payload.state',
      'valid',
      '{"event":"checkout.order.completed","payload":{"merchantOrderId":"RENT_X"}}',
      400,
    ],
    [
      'a wrongly typed merchantOrderId',
      'valid',
      '{"event":"checkout.order.completed","payload":{"merchantOrderId":5,"state":"COMPLETED"}}',
      400,
    ],
  ])('POST /api/webhooks/phonepe/ with %s', async (_name, auth, body, status) => {
    const before = await stack.countItems('payments');
    const r = await stack.api('/api/webhooks/phonepe/', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(auth ? { authorization: auth === 'valid' ? webhookAuth() : auth } : {}),
      },
      body,
    });
    expect(r.status).toBe(status);
    expect(r.body.detail).toEqual(expect.any(String));
    expect(await stack.countItems('payments')).toBe(before);
  });

  it('GET /api/owner-payouts/{id}/ and /api/payments/{id}/ for ids that do not exist', async () => {
    expect((await stack.api('/api/owner-payouts/NOPE/', { token: tokens.owner })).status).toBe(404);
    expect((await stack.api('/api/payments/NOPE/', { token: tokens.tenant })).status).toBe(404);
    expect((await stack.api('/api/owner-payouts/NOPE/')).status).toBe(401);
  });
});

describe('one definition', () => {
  it('runs locally exactly the state machine the synthesized template defines', async () => {
    const described = await stack.sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: stack.stateMachineArn }),
    );
    const running = JSON.parse(described.definition!) as { States: Record<string, { Resource?: string }> };
    // An independent synthesis of the CDK app, read straight from its template.
    const synth = synthesizeTemplates(mkdtempSync(join(tmpdir(), 'synth-')));
    const [, machine] = resourcesOfType(synth.stateless, 'AWS::StepFunctions::StateMachine')[0]!;
    const parts = (machine.Properties!.DefinitionString as { 'Fn::Join': [string, unknown[]] })[
      'Fn::Join'
    ][1];
    const fromTemplate = JSON.parse(
      parts
        .map((p) =>
          typeof p === 'string'
            ? p
            : `arn:aws:lambda:ap-south-1:000000000000:function:${(p as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]}`,
        )
        .join(''),
    ) as unknown;
    expect(running).toEqual(fromTemplate);
    expect(Object.keys(running.States)).toContain('SubmitTransfer');
  });
});

describe('operations wiring on the local stack', () => {
  it('runs the Cashfree sandbox with Payouts 2FA: valid credentials without a signature are refused', async () => {
    const res = await fetch(`${stack.urls.cashfree}/transfers?transfer_id=PAYOUT_UNSIGNED_1`, {
      headers: {
        'x-client-id': stack.credentials.cashfree.clientId,
        'x-client-secret': stack.credentials.cashfree.clientSecret,
        'x-api-version': '2024-01-01',
      },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: 'authentication_error', code: 'ip_not_whitelisted' });
  });

  it('publishes business metrics where the events happen, as EMF lines in the function logs', async () => {
    // The payout the first test paid: its status changes and latencies, from whichever function wrote them.
    const completed = await logged(stack, { Status: 'completed', PayoutStatusChanges: 1 });
    expect(completed._aws).toMatchObject({
      CloudWatchMetrics: [
        { Namespace: 'RentPayout', Dimensions: [['Status']], Metrics: [{ Name: 'PayoutStatusChanges' }] },
      ],
    });
    for (const milestone of ['PayoutInitiated', 'TransferRequested', 'Completed']) {
      const line = await logged(stack, { Milestone: milestone });
      expect(line.PayoutLatency).toEqual(expect.any(Number));
      expect(line.PayoutLatency as number).toBeGreaterThanOrEqual(0);
    }
    // Webhook outcomes: PhonePe's accepted callback, the forged ones of the bad-input tests, Cashfree's.
    await logged(stack, { Provider: 'phonepe', Outcome: 'accepted', WebhookRequests: 1 });
    await logged(stack, { Provider: 'phonepe', Outcome: 'rejected', WebhookRequests: 1 });
    await logged(stack, { Provider: 'cashfree', Outcome: 'accepted', WebhookRequests: 1 });
    const latency = await eventually(async () =>
      stack.logs.find((l) => l.entry.Provider === 'phonepe' && typeof l.entry.WebhookLatency === 'number'),
    );
    expect(latency.entry._aws).toMatchObject({ CloudWatchMetrics: [{ Dimensions: [['Provider']] }] });
    // The reconciler publishes what it acted on at every run, 0 included.
    expect((await logged(stack, { Reconciler: 'payments' })).ReconcilerActions).toEqual(expect.any(Number));
  });
});
