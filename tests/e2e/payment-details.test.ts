import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../shared/domain/ids';
import { maskedPaymentDetailsResponse, paymentDetailsHistoryResponse } from '../../shared/http/api-schemas';
import { startTestStack } from '../support/local-stack';
import type { TestStack } from '../support/local-stack';
import { bank, completedPaymentFor, payoutReaching } from '../support/payouts';

let stack: TestStack;
let ownerId = '';
let owner = '';

beforeAll(async () => {
  stack = await startTestStack({ timeScale: 0.005 });
  ownerId = newId();
  const now = new Date().toISOString();
  await stack.directory.putOwner({
    id: ownerId,
    name: 'Chitra Nair',
    email: 'c@example.com',
    phone: '',
    paymentDetails: null,
    createdAt: now,
    updatedAt: now,
  });
  owner = await stack.issuer.issue({ role: 'owner', sub: 'chitra', ownerId });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const details = (json: unknown, token = owner) =>
  stack.api('/api/owners/me/payment-details/', { method: 'PUT', token, json });
const history = async () =>
  ((await stack.api('/api/owners/me/payment-details/history/', { token: owner })).body.results as unknown[])
    .length;

describe('owner payment details', () => {
  it('starts empty, takes valid bank details, stores the account number encrypted and shows it masked', async () => {
    const empty = await stack.api('/api/owners/me/payment-details/', { token: owner });
    expect(empty.body).toEqual({
      payment_method: null,
      bank_name: '',
      account_number: '',
      ifsc_code: '',
      upi_id: '',
    });
    const saved = await details({
      payment_method: 'bank',
      bank_name: 'Canara Bank',
      account_number: '110022003300',
      ifsc_code: 'cnrb0001234',
    });
    expect(saved.status).toBe(200);
    maskedPaymentDetailsResponse.parse(saved.body);
    expect(saved.body).toEqual({
      payment_method: 'bank',
      bank_name: 'Canara Bank',
      account_number: '********3300',
      ifsc_code: 'CNRB0001234',
      upi_id: '',
    });
    const raw = await stack.documentClient.send(
      new GetCommand({ TableName: stack.tables.directory, Key: { pk: `OWNER#${ownerId}`, sk: 'OWNER' } }),
    );
    expect(JSON.stringify(raw.Item)).not.toContain('110022003300');
    expect((raw.Item?.paymentDetails as { accountNumberEncrypted: string }).accountNumberEncrypted).toMatch(
      /^v1:local-1:/,
    );
    expect((await stack.directory.getOwnerForPayout(ownerId))?.paymentDetails?.accountNumber).toBe(
      '110022003300',
    );
  });

  it.each([
    [
      'a short account number',
      { payment_method: 'bank', bank_name: 'X', account_number: '12345', ifsc_code: 'SBIN0001234' },
      'account_number',
    ],
    [
      'a bad IFSC',
      { payment_method: 'bank', bank_name: 'X', account_number: '123456789', ifsc_code: 'SBIN1001234' },
      'ifsc_code',
    ],
    [
      'no IFSC for a bank',
      { payment_method: 'bank', bank_name: 'X', account_number: '123456789' },
      'ifsc_code',
    ],
    ['no UPI ID for upi', { payment_method: 'upi' }, 'upi_id'],
    ['a bad VPA', { payment_method: 'upi', upi_id: 'owner@' }, 'upi_id'],
    ['an unknown method', { payment_method: 'cash' }, 'payment_method'],
    ['an unknown field', { payment_method: 'upi', upi_id: 'a@okaxis', pan: 'X' }, 'non_field_errors'],
  ])('refuses %s with a field error and changes nothing', async (_name, body, field) => {
    const before = await history();
    const r = await details(body);
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.errors as object)).toContain(field);
    expect(await history()).toBe(before);
  });

  it('keeps every change, masked, with who and when', async () => {
    await details({ payment_method: 'upi', upi_id: 'chitra@okaxis' });
    const r = await stack.api('/api/owners/me/payment-details/history/', { token: owner });
    paymentDetailsHistoryResponse.parse(r.body);
    const [latest, first] = r.body.results as {
      changed_by: string;
      changed_at: string;
      old: Record<string, string> | null;
      new: Record<string, string>;
    }[];
    expect(latest).toMatchObject({
      changed_by: 'chitra',
      new: { payment_method: 'upi', upi_id: 'chitra@okaxis' },
      old: { account_number: '********3300' },
    });
    expect(first).toMatchObject({ old: null, new: { account_number: '********3300' } });
    expect(JSON.stringify(r.body)).not.toContain('110022003300');
  });

  it('is for owners only', async () => {
    const tenant = await stack.issuer.issue({ role: 'tenant', sub: 't', tenantId: newId() });
    const admin = await stack.issuer.issue({ role: 'admin', sub: 'a' });
    expect((await stack.api('/api/owners/me/payment-details/', { token: tenant })).status).toBe(403);
    expect((await stack.api('/api/owners/me/payment-details/', { token: admin })).status).toBe(403);
    expect((await stack.api('/api/owners/me/payment-details/')).status).toBe(401);
  });

  it('a payout that failed on bad details is paid with the fixed details after a manual retry', async () => {
    const { paymentId, ownerId: payee } = await completedPaymentFor(stack, bank('12345'));
    const failed = await payoutReaching(stack, paymentId, ['failed']);
    expect(failed.errorMessage).toContain('Payout validation failed');
    const payeeToken = await stack.issuer.issue({ role: 'owner', sub: 'payee', ownerId: payee });
    expect(
      (
        await details(
          {
            payment_method: 'bank',
            bank_name: 'HDFC',
            account_number: '998877665544',
            ifsc_code: 'HDFC0004321',
          },
          payeeToken,
        )
      ).status,
    ).toBe(200);
    const admin = await stack.issuer.issue({ role: 'admin', sub: 'ops' });
    expect(
      (await stack.api(`/api/owner-payouts/${failed.id}/manual_retry/`, { method: 'POST', token: admin }))
        .status,
    ).toBe(200);
    await payoutReaching(stack, paymentId, ['completed']);
    const base = stack.urls.cashfree.replace(/\/payout$/, '');
    const transfer = (await (await fetch(`${base}/_sandbox/transfers/PAYOUT_${failed.id}_1`)).json()) as {
      beneficiary_details: { beneficiary_instrument_details: { bank_account_number: string } };
    };
    expect(transfer.beneficiary_details.beneficiary_instrument_details.bank_account_number).toBe(
      '998877665544',
    );
  });
});
