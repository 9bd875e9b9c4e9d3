import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../infra/local/demo';
import type { OwnerPayout } from '../../shared/domain/entities';
import { newId } from '../../shared/domain/ids';
import { paise } from '../../shared/domain/money';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import { startTestStack } from '../support/local-stack';
import type { TestStack } from '../support/local-stack';
import { payoutsRepo } from '../support/payouts';

/**
 * An id claim counts only with its group: a token carrying the demo owner's id without the `owners` group (or
 * the demo tenant's id without `tenants`) is refused on every route that id would open, over HTTP on the local
 * stack, and sees none of that owner's data. Cognito lets only admins set the ids and the groups; the local
 * issuer can mint any combination so these cases can be tried.
 */
let stack: TestStack;
let payout: OwnerPayout;
let paymentId = '';
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startTestStack();
  const now = new Date().toISOString();
  payout = {
    id: newId(),
    paymentId: newId(),
    ownerId: DEMO.ownerId,
    ownerName: 'Asha Verma',
    unitId: DEMO.unitId,
    propertyId: DEMO.propertyId,
    period: '2019-12',
    amountPaise: paise(1_500_000),
    status: 'completed',
    beneficiaryType: 'bank',
    cashfreeTransferId: null,
    cashfreeUtr: 'UTR-AUTHZ-1',
    retryCount: 0,
    attempt: 1,
    run: 1,
    initiatedAt: now,
    completedAt: now,
    updatedAt: now,
    errorMessage: '',
    needsAttention: false,
    attempts: [],
    version: 1,
  };
  await payoutsRepo(stack).createForPayment(payout);
  const issue = stack.issuer.issue.bind(stack.issuer);
  tokens.owner = await issue({ role: 'owner', sub: DEMO.ownerUserId, ownerId: DEMO.ownerId });
  tokens.tenant = await issue({ role: 'tenant', sub: DEMO.tenantUserId, tenantId: DEMO.tenantId });
  tokens.admin = await issue({ role: 'admin', sub: 'ops' });
  tokens.ownerIdNoGroup = await issue({ sub: 'mallory', groups: [], ownerId: DEMO.ownerId });
  tokens.ownerIdAsTenant = await issue({ sub: 'mallory', groups: ['tenants'], ownerId: DEMO.ownerId });
  tokens.tenantIdNoGroup = await issue({ sub: 'mallory', groups: [], tenantId: DEMO.tenantId });
  tokens.tenantIdAsOwner = await issue({ sub: 'mallory', groups: ['owners'], tenantId: DEMO.tenantId });
  // A real payment of the demo unit, started by its tenant (who has the group).
  const created = await stack.api('/api/payments/', {
    method: 'POST',
    token: tokens.tenant,
    json: { unit_id: DEMO.unitId, period: '2032-01' },
  });
  expect(created.status).toBe(201);
  paymentId = String(created.body.id);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const ownerRoutes = () => [
  { name: 'the payout list', path: '/api/owner-payouts/', status: 403 },
  { name: 'the CSV export', path: '/api/owner-payouts/export.csv', status: 403 },
  { name: 'a payout', path: `/api/owner-payouts/${payout.id}/`, status: 404 },
  { name: 'check_status', path: `/api/owner-payouts/${payout.id}/check_status/`, status: 404 },
  { name: 'the payment details', path: '/api/owners/me/payment-details/', status: 403 },
  { name: 'the details history', path: '/api/owners/me/payment-details/history/', status: 403 },
  { name: "a payment of the owner's unit", path: `/api/payments/${paymentId}/`, status: 404 },
];

/** Nothing of the demo owner's in a refusal: no payout, payment, UTR, name or masked account. */
function expectNoOwnerData(text: string) {
  for (const secret of [payout.id, paymentId, 'UTR-AUTHZ-1', 'Asha', '7890', DEMO.ownerId])
    expect(text).not.toContain(secret);
}

describe('an owner id without the owners group', () => {
  it('opens every owner route with the group (the control)', async () => {
    for (const route of ownerRoutes()) {
      if (route.name === 'check_status') continue; // asks Cashfree about a made-up payout
      const r = await stack.api(route.path, { token: tokens.owner });
      expect(r.status, route.name).toBe(200);
    }
    const list = await stack.api('/api/owner-payouts/', { token: tokens.owner });
    expect((list.body.results as { id: string }[]).map((p) => p.id)).toContain(payout.id);
  });

  it.each(['ownerIdNoGroup', 'ownerIdAsTenant'])('gets nothing on any owner route (%s)', async (token) => {
    for (const route of ownerRoutes()) {
      const r = await stack.api(route.path, { token: tokens[token] });
      expect(r.status, route.name).toBe(route.status);
      expectNoOwnerData(r.text);
    }
  });

  it.each(['ownerIdNoGroup', 'ownerIdAsTenant'])(
    "cannot set the owner's payment details (%s), and nothing is written",
    async (token) => {
      const before = await stack.directory.getOwner(DEMO.ownerId);
      const history = await stack.api('/api/owners/me/payment-details/history/', { token: tokens.owner });
      const r = await stack.api('/api/owners/me/payment-details/', {
        method: 'PUT',
        token: tokens[token],
        json: { payment_method: 'upi', upi_id: 'mallory@okaxis' },
      });
      expect(r.status).toBe(403);
      expect(await stack.directory.getOwner(DEMO.ownerId)).toEqual(before);
      expect(
        (await stack.api('/api/owners/me/payment-details/history/', { token: tokens.owner })).body,
      ).toEqual(history.body);
    },
  );
});

describe('a tenant id without the tenants group', () => {
  it.each(['tenantIdNoGroup', 'tenantIdAsOwner'])(
    'cannot start a payment or read one (%s)',
    async (token) => {
      const r = await stack.api('/api/payments/', {
        method: 'POST',
        token: tokens[token],
        json: { unit_id: DEMO.unitId, period: '2032-02' },
      });
      expect(r.status).toBe(403);
      const payments = new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
      expect(await payments.getForPeriod(DEMO.unitId, '2032-02')).toBeNull();
      const read = await stack.api(`/api/payments/${paymentId}/`, { token: tokens[token] });
      expect(read.status).toBe(404);
      expectNoOwnerData(read.text);
    },
  );

  it('while the tenant with the group reads their payment', async () => {
    const r = await stack.api(`/api/payments/${paymentId}/`, { token: tokens.tenant });
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(paymentId);
  });
});

describe('admins keep their access', () => {
  it('read any payout and payment, list everyone, and still have no payment details of their own', async () => {
    expect((await stack.api(`/api/owner-payouts/${payout.id}/`, { token: tokens.admin })).status).toBe(200);
    expect((await stack.api(`/api/payments/${paymentId}/`, { token: tokens.admin })).status).toBe(200);
    const list = await stack.api(`/api/owner-payouts/?owner_id=${DEMO.ownerId}`, { token: tokens.admin });
    expect((list.body.results as { id: string }[]).map((p) => p.id)).toContain(payout.id);
    expect((await stack.api('/api/owners/me/payment-details/', { token: tokens.admin })).status).toBe(403);
  });
});
