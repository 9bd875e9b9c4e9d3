import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, demoTokens } from '../../infra/local/demo';
import type { LocalSecretName } from '../../infra/local/stack';
import { newId } from '../../shared/domain/ids';
import { expectedAuthorization } from '../../shared/payments/phonepe-webhook';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import { phonePeEventKey } from '../../shared/repositories/phonepe-event-repository';
import { logged, startTestStack } from '../support/local-stack';
import type { TestStack } from '../support/local-stack';
import { completedPaymentFor, payoutReaching, sandboxControl } from '../support/payouts';

/**
 * Secrets on the local stack, whose secret files stand in for Secrets Manager. Functions re-read them at every
 * use here (SECRETS_MAX_AGE_SECONDS=0; 300 s on AWS), so rewriting a file is what an operator's change is.
 */
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ timeScale: 0.005, functionEnv: { SECRETS_MAX_AGE_SECONDS: '0' } });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const readSecret = (name: LocalSecretName) =>
  JSON.parse(readFileSync(stack.secretFiles[name], 'utf8')) as Record<string, unknown>;
const writeSecret = (name: LocalSecretName, value: unknown) =>
  writeFileSync(stack.secretFiles[name], JSON.stringify(value));

/** The stack's own template before an operator sets the values (infra/stateful-stack.ts). */
const PHONEPE_AS_CREATED = {
  clientId: 'SET_ME',
  clientSecret: randomBytes(16).toString('hex'),
  clientVersion: '1',
  webhookUsername: 'SET_ME',
  webhookPassword: 'SET_ME',
};

describe('placeholder credentials refuse the work', () => {
  it('the PhonePe webhook answers 503 to the placeholder credentials (and to the real ones), writes nothing, logs the alarm line', async () => {
    const tokens = await demoTokens(stack);
    const created = await stack.api('/api/payments/', {
      method: 'POST',
      token: tokens.tenant,
      json: { unit_id: DEMO.unitId, period: '2033-01' },
    });
    expect(created.status).toBe(201);
    const merchantOrderId = String(created.body.merchant_order_id);
    const real = readSecret('PHONEPE');
    writeSecret('PHONEPE', PHONEPE_AS_CREATED);
    try {
      const body = {
        event: 'checkout.order.completed',
        payload: { merchantOrderId, orderId: 'OMO1', state: 'COMPLETED', amount: DEMO.rentPaise },
      };
      for (const [username, password] of [
        ['SET_ME', 'SET_ME'],
        [String(real.webhookUsername), String(real.webhookPassword)],
      ]) {
        const r = await stack.api('/api/webhooks/phonepe/', {
          method: 'POST',
          headers: { authorization: expectedAuthorization(username!, password!) },
          json: body,
        });
        expect(r.status).toBe(503);
        expect(r.text).not.toMatch(/SET_ME|PHONEPE|clientId/);
      }
      const line = await logged(stack, { message: 'Credentials are placeholders', secret: 'PHONEPE' });
      expect(line.fields).toEqual(['clientId', 'webhookUsername', 'webhookPassword']);
      expect(line.level).toBe('ERROR');
      const recorded = await stack.documentClient.send(
        new GetCommand({
          TableName: stack.tables.payments,
          Key: phonePeEventKey({
            kind: 'order',
            event: body.event,
            merchantOrderId,
            state: 'COMPLETED',
            amount: null,
            orderId: null,
          }),
        }),
      );
      expect(recorded.Item).toBeUndefined();
      const payments = new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
      expect((await payments.get(String(created.body.id)))?.status).toBe('pending');
      // Starting a payment refuses too, before anything is written.
      const refused = await stack.api('/api/payments/', {
        method: 'POST',
        token: tokens.tenant,
        json: { unit_id: DEMO.unitId, period: '2033-02' },
      });
      expect(refused.status).toBe(503);
      expect(await payments.getForPeriod(DEMO.unitId, '2033-02')).toBeNull();
    } finally {
      writeSecret('PHONEPE', real);
    }
    // Once the operator sets the real values, the next delivery is taken.
    const again = await stack.api('/api/webhooks/phonepe/', {
      method: 'POST',
      headers: {
        authorization: expectedAuthorization(String(real.webhookUsername), String(real.webhookPassword)),
      },
      json: {
        event: 'checkout.order.completed',
        payload: { merchantOrderId, orderId: 'OMO1', state: 'COMPLETED', amount: DEMO.rentPaise },
      },
    });
    expect(again.status).toBe(200);
  });

  it('the Cashfree webhook answers 503 while the Cashfree secret is a placeholder', async () => {
    const real = readSecret('CASHFREE');
    writeSecret('CASHFREE', { ...real, clientId: 'SET_ME' });
    try {
      const r = await stack.api('/api/webhooks/cashfree/', {
        method: 'POST',
        headers: { 'x-webhook-signature': 'x', 'x-webhook-timestamp': String(Date.now()) },
        json: {
          type: 'TRANSFER_SUCCESS',
          data: { transfer: { transfer_id: 'PAYOUT_X_1', status: 'SUCCESS' } },
        },
      });
      expect(r.status).toBe(503);
      await logged(stack, { message: 'Credentials are placeholders', secret: 'CASHFREE' });
    } finally {
      writeSecret('CASHFREE', real);
    }
  });
});

describe('rotating the payment-details key', () => {
  it('keeps old account numbers readable for payouts and moves an owner to the new key on the next write', async () => {
    const ownerId = newId();
    const now = new Date().toISOString();
    await stack.directory.putOwner({
      id: ownerId,
      name: 'Jaya Rao',
      email: 'jaya@example.com',
      phone: '',
      paymentDetails: null,
      createdAt: now,
      updatedAt: now,
    });
    const owner = await stack.issuer.issue({ role: 'owner', sub: 'jaya', ownerId });
    const setDetails = (account: string) =>
      stack.api('/api/owners/me/payment-details/', {
        method: 'PUT',
        token: owner,
        json: {
          payment_method: 'bank',
          bank_name: 'Canara',
          account_number: account,
          ifsc_code: 'CNRB0001234',
        },
      });
    const storedKeyId = async () => {
      const item = await stack.documentClient.send(
        new GetCommand({ TableName: stack.tables.directory, Key: { pk: `OWNER#${ownerId}`, sk: 'OWNER' } }),
      );
      return String(
        (item.Item?.paymentDetails as { accountNumberEncrypted: string }).accountNumberEncrypted,
      ).split(':')[1];
    };

    // Details written under the first key.
    const first = readSecret('PAYMENT_DETAILS_KEY');
    expect((await setDetails('445566778899')).status).toBe(200);
    expect(await storedKeyId()).toBe(first.keyId);

    // Rotation: a new current key, the old one kept as previous (docs/operations.md).
    writeSecret('PAYMENT_DETAILS_KEY', {
      keyId: 'local-2',
      key: randomBytes(32).toString('hex'),
      previousKeys: { [String(first.keyId)]: first.key },
    });

    // A payout reads the number sealed under the previous key...
    const { paymentId } = await completedPaymentFor(stack, null, 1_100_000, { existingOwnerId: ownerId });
    const paid = await payoutReaching(stack, paymentId, ['completed', 'failed']);
    expect(paid.errorMessage).toBe('');
    expect(paid.status).toBe('completed');
    const base = stack.urls.cashfree.replace(/\/payout$/, '');
    const transfer = (await (await fetch(`${base}/_sandbox/transfers/PAYOUT_${paid.id}_1`)).json()) as {
      beneficiary_details: { beneficiary_instrument_details: { bank_account_number: string } };
    };
    expect(transfer.beneficiary_details.beneficiary_instrument_details.bank_account_number).toBe(
      '445566778899',
    );
    // ...and reading re-encrypts nothing.
    expect(await storedKeyId()).toBe(first.keyId);
    expect((await sandboxControl(stack).transfersOf(paid.id))[0]?.status).toBe('SUCCESS');

    // The next write seals under the new key.
    expect((await setDetails('445566778800')).status).toBe(200);
    expect(await storedKeyId()).toBe('local-2');
    expect((await stack.directory.getOwnerForPayout(ownerId))?.paymentDetails?.accountNumber).toBe(
      '445566778800',
    );
    const shown = await stack.api('/api/owners/me/payment-details/', { token: owner });
    expect(shown.body.account_number).toBe('********8800');
  });
});
