import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { OwnerPayout } from '../../shared/domain/entities';
import { pendingPayment } from '../../shared/payments/new-payment';
import { DEMO } from '../../infra/local/demo';
import { newId } from '../../shared/domain/ids';
import { paise } from '../../shared/domain/money';
import type { OwnerPaymentDetails } from '../../shared/domain/payment-details';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';
import { eventually } from './local-stack';
import type { TestStack } from './local-stack';

export const bank = (accountNumber: string, ifscCode = 'HDFC0001234'): OwnerPaymentDetails => ({
  paymentMethod: 'bank',
  bankName: 'HDFC Bank',
  accountNumber,
  ifscCode,
  upiId: '',
});
export const upi = (upiId: string): OwnerPaymentDetails => ({
  paymentMethod: 'upi',
  bankName: '',
  accountNumber: '',
  ifscCode: '',
  upiId,
});

/**
 * An owner with the given payment details (or an existing owner: `existingOwnerId`), a unit and a tenant, and
 * a payment that completes: the payments table's stream then starts the payout exactly as in production
 * (PhonePe itself is covered elsewhere).
 */
export async function completedPaymentFor(
  stack: TestStack,
  details: OwnerPaymentDetails | null,
  rentPaise = 1_234_500,
  options: { existingOwnerId?: string; owner?: string; unit?: string } = {},
) {
  const { existingOwnerId } = options;
  const directory = stack.directory;
  const payments = new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
  const now = new Date().toISOString();
  const ownerId = existingOwnerId ?? newId();
  const unitId = newId();
  const tenantId = newId();
  if (!existingOwnerId)
    await directory.putOwner({
      id: ownerId,
      name: options.owner ?? 'Test Owner',
      email: 'o@example.com',
      phone: '',
      paymentDetails: details,
      createdAt: now,
      updatedAt: now,
    });
  await directory.putUnit({
    id: unitId,
    propertyId: newId(),
    ownerId,
    unitNumber: options.unit ?? 'T-1',
    rentPaise: paise(rentPaise),
    createdAt: now,
  });
  await directory.putTenant({
    id: tenantId,
    name: 'Test Tenant',
    email: 't@example.com',
    phone: '',
    unitId,
    createdAt: now,
  });
  const id = newId();
  const payment = {
    ...pendingPayment({
      id,
      tenantId,
      unitId,
      propertyId: newId(),
      ownerId,
      period: '2030-01',
      amountPaise: paise(rentPaise),
      now,
    }),
    checkoutUrl: 'x',
  };
  await payments.create(payment);
  await payments.save({ ...payment, status: 'completed', completedAt: now }, 1);
  return { paymentId: id, ownerId, unitId, directory };
}

/**
 * A payment written completed in one go, for a demo unit's tenant: an INSERT, which the payout starter's stream
 * filter (a MODIFY to completed) never sees, so only the reconciler's safety net can start its payout.
 */
export async function paymentCompletedOutsideTheStream(
  stack: TestStack,
  ownerId: string,
  period: string,
): Promise<string> {
  const payments = new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
  const id = newId();
  const now = new Date().toISOString();
  await payments.create({
    ...pendingPayment({
      id,
      tenantId: DEMO.tenantId,
      unitId: newId(),
      propertyId: DEMO.propertyId,
      ownerId,
      period,
      amountPaise: DEMO.rentPaise,
      now,
    }),
    status: 'completed',
    completedAt: now,
  });
  return id;
}

export function payoutsRepo(stack: TestStack) {
  return new DynamoPayoutRepository(stack.documentClient, stack.tables.payouts);
}

export async function payoutOf(stack: TestStack, paymentId: string): Promise<OwnerPayout> {
  return eventually(() => payoutsRepo(stack).getByPaymentId(paymentId));
}

export async function payoutReaching(
  stack: TestStack,
  paymentId: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<OwnerPayout> {
  return eventually(
    async () => {
      const p = await payoutsRepo(stack).getByPaymentId(paymentId);
      return p && statuses.includes(p.status) ? p : null;
    },
    { timeoutMs },
  );
}

export function sandboxControl(stack: TestStack) {
  const base = stack.urls.cashfree.replace(/\/payout$/, '');
  return {
    faults: (faults: Record<string, unknown>) =>
      fetch(`${base}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(faults),
      }).then((r) => r.json()),
    /** The faults still waiting for one beneficiary's transfers (set with `faults({ beneficiary, ... })`). */
    faultsOf: async (beneficiary: string) =>
      (await (
        await fetch(`${base}/_sandbox/faults?beneficiary=${encodeURIComponent(beneficiary)}`)
      ).json()) as Record<string, unknown>,
    transfersOf: async (payoutId: string) => {
      const all = (await (await fetch(`${base}/_sandbox/transfers`)).json()) as {
        transfers: {
          transfer_id: string;
          status: string;
          status_code: string;
          create_calls: number;
          transfer_amount: number;
        }[];
      };
      return all.transfers.filter((t) => t.transfer_id.startsWith(`PAYOUT_${payoutId}_`));
    },
    /** Cashfree changes a transfer's status now (a late SUCCESS, a REVERSED days later); its webhook follows. */
    setStatus: async (transferId: string, status: string, statusCode: string) => {
      const res = await fetch(`${base}/_sandbox/transfers/${transferId}/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status, status_code: statusCode }),
      });
      if (res.status !== 200) throw new Error(`set status: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as { transfer_id: string; status: string; transfer_utr: string | null };
    },
    webhooksOf: async (transferId: string) =>
      (
        (await (await fetch(`${base}/_sandbox/webhooks`)).json()) as {
          webhooks: { transfer_id: string; type: string; dropped?: boolean }[];
        }
      ).webhooks.filter((w) => w.transfer_id === transferId),
    setBalance: (balancePaise: number) =>
      fetch(`${base}/_sandbox/balance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ balancePaise }),
      }),
  };
}

export async function historyOf(stack: TestStack, payoutId: string, run = 1) {
  const executionArn = `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${payoutId}-${run}`;
  const events = [];
  let nextToken: string | undefined;
  do {
    const page = await stack.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return { executionArn, events };
}

/** Faults of the local Step Functions endpoint (docs/local-stack.md), for one execution name or all. */
export async function stepFunctionsFaults(stack: TestStack, faults: Record<string, unknown>) {
  const res = await fetch(`${stack.urls.sfn}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (res.status !== 200) throw new Error(`step functions faults: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

export function executionArnOf(stack: TestStack, payoutId: string, run = 1): string {
  return `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${payoutId}-${run}`;
}

/** The raw payouts-table item, index keys included (to see whether the reconciler still watches it). */
export async function payoutItem(stack: TestStack, payoutId: string) {
  const out = await stack.documentClient.send(
    new GetCommand({ TableName: stack.tables.payouts, Key: { pk: `PAYOUT#${payoutId}`, sk: 'PAYOUT' } }),
  );
  return out.Item ?? null;
}
