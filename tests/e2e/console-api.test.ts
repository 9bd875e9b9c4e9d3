import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../infra/local/demo';
import type { OwnerPayout } from '../../shared/domain/entities';
import {
  maskedPaymentDetailsResponse,
  ownerPageResponse,
  payoutExecutionsResponse,
  payoutPageResponse,
  paymentDetailsHistoryResponse,
} from '../../shared/http/api-schemas';
import { newId } from '../../shared/domain/ids';
import { startTestStack } from '../support/local-stack';
import type { TestStack } from '../support/local-stack';
import { bank, completedPaymentFor, payoutReaching, payoutsRepo } from '../support/payouts';

/** The routes the operators' console added, over HTTP on the local stack: shapes, refusals, bad input. */
let stack: TestStack;
let admin = '';
let owner = '';
let done: OwnerPayout;
let ownerId = '';

beforeAll(async () => {
  stack = await startTestStack();
  admin = await stack.issuer.issue({ role: 'admin', sub: 'ops' });
  owner = await stack.issuer.issue({ role: 'owner', sub: 'demo-owner', ownerId: DEMO.ownerId });
  const paid = await completedPaymentFor(stack, bank('50100123456789'), 1_500_000, {
    owner: 'Nisha Rao',
    unit: 'D-7',
  });
  ownerId = paid.ownerId;
  done = await payoutReaching(stack, paid.paymentId, ['completed']);
});

afterAll(async () => {
  await stack?.close();
});

describe('payout rows for the console', () => {
  it('carry the owner name, unit id and number and the attention flag, the contract fields unchanged', async () => {
    const r = await stack.api(`/api/owner-payouts/?payment_id=${done.paymentId}`, { token: admin });
    const page = payoutPageResponse.parse(r.body);
    expect(page.results[0]).toMatchObject({
      id: done.id,
      owner_id: ownerId,
      owner_name: 'Nisha Rao',
      unit_id: done.unitId,
      unit_number: 'D-7',
      needs_attention: false,
      status: 'completed',
      amount: '15000.00',
    });
  });

  it('lists flagged payouts with needs_attention=true, for admins and with the date range only', async () => {
    const repo = payoutsRepo(stack);
    const current = (await repo.get(done.id))!;
    await repo.save({ ...current, needsAttention: true }, current);
    const r = await stack.api('/api/owner-payouts/?needs_attention=true', { token: admin });
    expect(r.status).toBe(200);
    expect((r.body.results as { id: string }[]).map((p) => p.id)).toEqual([done.id]);
    for (const bad of ['needs_attention=true&status=completed', 'needs_attention=yes']) {
      const refused = await stack.api(`/api/owner-payouts/?${bad}`, { token: admin });
      expect(refused.status).toBe(400);
    }
    expect((await stack.api('/api/owner-payouts/?needs_attention=true', { token: owner })).status).toBe(400);
    // Cleared, it leaves the index.
    const flagged = (await repo.get(done.id))!;
    await repo.save({ ...flagged, needsAttention: false }, flagged);
    const after = await stack.api('/api/owner-payouts/?needs_attention=true', { token: admin });
    expect(after.body.results).toEqual([]);
  });
});

describe('a payout workflow executions', () => {
  it('describes each run, newest first, with no console link locally', async () => {
    const r = await stack.api(`/api/admin/payouts/${done.id}/executions/`, { token: admin });
    expect(r.status).toBe(200);
    const { results } = payoutExecutionsResponse.parse(r.body);
    expect(results).toEqual([
      expect.objectContaining({ run: 1, name: `${done.id}-1`, status: 'SUCCEEDED', console_url: null }),
    ]);
    expect(results[0]!.execution_arn).toBe(
      `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${done.id}-1`,
    );
  });

  it('says NOT_FOUND for a run whose execution never started, 404 for no payout, 403 for owners', async () => {
    // Its own unit: one payout per unit and rent period.
    const stranded: OwnerPayout = {
      ...done,
      id: newId(),
      paymentId: newId(),
      unitId: newId(),
      run: 1,
      version: 1,
    };
    await payoutsRepo(stack).createForPayment(stranded);
    const r = await stack.api(`/api/admin/payouts/${stranded.id}/executions/`, { token: admin });
    expect(payoutExecutionsResponse.parse(r.body).results).toEqual([
      expect.objectContaining({ run: 1, status: 'NOT_FOUND', start_date: null }),
    ]);
    expect((await stack.api(`/api/admin/payouts/${newId()}/executions/`, { token: admin })).status).toBe(404);
    expect((await stack.api(`/api/admin/payouts/${done.id}/executions/`, { token: owner })).status).toBe(403);
  });
});

describe("an owner's payment details for admins", () => {
  it('shows them masked, and every change newest first', async () => {
    await stack.directory.updatePaymentDetails(
      ownerId,
      bank('50100999988887777'),
      'nisha',
      new Date().toISOString(),
    );
    const now = await stack.api(`/api/admin/owners/${ownerId}/payment-details/`, { token: admin });
    expect(maskedPaymentDetailsResponse.parse(now.body)).toEqual({
      payment_method: 'bank',
      bank_name: 'HDFC Bank',
      account_number: '*************7777',
      ifsc_code: 'HDFC0001234',
      upi_id: '',
    });
    const history = await stack.api(`/api/admin/owners/${ownerId}/payment-details/history/`, {
      token: admin,
    });
    const changes = paymentDetailsHistoryResponse.parse(history.body).results;
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ changed_by: 'nisha', old: { account_number: '**********6789' } });
    expect(JSON.stringify([now.body, history.body])).not.toMatch(/50100999988887777|50100123456789/);
  });

  it('refuses owners and answers 404 for an unknown owner', async () => {
    const path = `/api/admin/owners/${DEMO.ownerId}/payment-details/`;
    expect((await stack.api(path, { token: owner })).status).toBe(403);
    expect((await stack.api(`${path}history/`, { token: owner })).status).toBe(403);
    expect((await stack.api(`/api/admin/owners/${newId()}/payment-details/`, { token: admin })).status).toBe(
      404,
    );
  });
});

describe('owners and properties for admins', () => {
  it('lists owners by name, searches by prefix, and pages with an opaque cursor', async () => {
    for (const name of ['Zara Khan', 'Zubin Shah', 'Zoya Das']) {
      const r = await stack.api('/api/admin/owners/', {
        token: admin,
        method: 'POST',
        json: { name, email: 'z@example.com' },
      });
      expect(r.status).toBe(201);
    }
    const first = ownerPageResponse.parse(
      (await stack.api('/api/admin/owners/?search=z&page_size=2', { token: admin })).body,
    );
    expect(first.results.map((o) => o.name)).toEqual(['Zara Khan', 'Zoya Das']);
    const second = ownerPageResponse.parse(
      (await stack.api(`/api/admin/owners/?search=z&page_size=2&cursor=${first.next}`, { token: admin }))
        .body,
    );
    expect(second.results.map((o) => o.name)).toEqual(['Zubin Shah']);
    const all = ownerPageResponse.parse((await stack.api('/api/admin/owners/', { token: admin })).body);
    expect(all.results.map((o) => o.name)).toContain('Asha Verma');
    expect(JSON.stringify(all)).not.toContain('1234567890');
    expect((await stack.api('/api/admin/owners/?cursor=bm90LWEta2V5', { token: admin })).status).toBe(400);
    expect((await stack.api('/api/admin/owners/?page_size=500', { token: admin })).status).toBe(400);
    expect((await stack.api('/api/admin/owners/', { token: owner })).status).toBe(403);
  });

  it("changes an owner's contact and name (the search follows), never the payment details", async () => {
    const r = await stack.api(`/api/admin/owners/${DEMO.ownerId}/`, {
      token: admin,
      method: 'PUT',
      json: { name: 'Asha V. Menon', phone: '+919800000009' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'Asha V. Menon',
      phone: '+919800000009',
      email: 'asha.owner@example.com',
    });
    const found = ownerPageResponse.parse(
      (await stack.api('/api/admin/owners/?search=asha%20v', { token: admin })).body,
    );
    expect(found.results.map((o) => o.id)).toEqual([DEMO.ownerId]);
    expect(
      (await stack.api('/api/admin/owners/?search=asha%20verma', { token: admin })).body.results,
    ).toEqual([]);
    const details = await stack.directory.getOwnerForPayout(DEMO.ownerId);
    expect(details?.paymentDetails?.accountNumber).toBe('1234567890');
    const bad = await stack.api(`/api/admin/owners/${DEMO.ownerId}/`, {
      token: admin,
      method: 'PUT',
      json: { email: 'nope', payment_method: 'upi' },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors as object).sort()).toEqual(['email', 'non_field_errors'].sort());
    expect(
      (await stack.api(`/api/admin/owners/${newId()}/`, { token: admin, method: 'PUT', json: {} })).status,
    ).toBe(404);
  });

  it('changes a property', async () => {
    const r = await stack.api(`/api/admin/properties/${DEMO.propertyId}/`, {
      token: admin,
      method: 'PUT',
      json: { address: '14 MG Road, Bengaluru' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'Lotus Residency',
      address: '14 MG Road, Bengaluru',
      owner_id: DEMO.ownerId,
    });
    const bad = await stack.api(`/api/admin/properties/${DEMO.propertyId}/`, {
      token: admin,
      method: 'PUT',
      json: { name: '' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toHaveProperty('name');
  });
});
