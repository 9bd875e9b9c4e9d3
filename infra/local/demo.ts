import { paise } from '../../shared/domain/money';
import type { DirectoryRepository } from '../../shared/repositories/directory-repository';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';
import type { LocalStack } from './stack';

/** The demo's directory: fixed ids, so a second `npm start` finds the same owner, unit and tenant. */
export const DEMO = {
  ownerId: '01JB0DEM0000000000000WNER1',
  ownerUserId: 'demo-owner',
  propertyId: '01JB0DEM000000000000PR0PR1',
  unitId: '01JB0DEM00000000000000VN1T',
  tenantId: '01JB0DEM000000000000TENANT',
  tenantUserId: 'demo-tenant',
  adminUserId: 'demo-admin',
  rentPaise: paise(1_500_000),
} as const;

export async function seedDemo(directory: DirectoryRepository): Promise<void> {
  const now = new Date().toISOString();
  if (!(await directory.getOwner(DEMO.ownerId))) {
    await directory.putOwner({
      id: DEMO.ownerId,
      name: 'Asha Verma',
      email: 'asha.owner@example.com',
      phone: '+919800000001',
      paymentDetails: {
        paymentMethod: 'bank',
        bankName: 'State Bank of India',
        accountNumber: '1234567890',
        ifscCode: 'SBIN0001234',
        upiId: '',
      },
      createdAt: now,
      updatedAt: now,
    });
  }
  if (!(await directory.getProperty(DEMO.propertyId))) {
    await directory.putProperty({
      id: DEMO.propertyId,
      ownerId: DEMO.ownerId,
      name: 'Lotus Residency',
      address: '12 MG Road, Bengaluru',
      createdAt: now,
    });
  }
  if (!(await directory.getUnit(DEMO.unitId))) {
    await directory.putUnit({
      id: DEMO.unitId,
      propertyId: DEMO.propertyId,
      ownerId: DEMO.ownerId,
      unitNumber: 'A-101',
      rentPaise: DEMO.rentPaise,
      createdAt: now,
    });
  }
  if (!(await directory.getTenant(DEMO.tenantId))) {
    await directory.putTenant({
      id: DEMO.tenantId,
      name: 'Ravi Kumar',
      email: 'ravi.tenant@example.com',
      phone: '+919800000002',
      unitId: DEMO.unitId,
      createdAt: now,
    });
  }
}

export async function demoTokens(stack: LocalStack) {
  return {
    tenant: await stack.issuer.issue({ role: 'tenant', sub: DEMO.tenantUserId, tenantId: DEMO.tenantId }),
    owner: await stack.issuer.issue({ role: 'owner', sub: DEMO.ownerUserId, ownerId: DEMO.ownerId }),
    admin: await stack.issuer.issue({ role: 'admin', sub: DEMO.adminUserId }),
  };
}

function nextPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

export class DemoError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'DemoError';
  }
}

async function call(
  url: string,
  init: RequestInit & { token?: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { token, ...rest } = init;
  const res = await fetch(url, {
    ...rest,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(rest.headers ?? {}),
    },
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/**
 * A rent payment becoming an owner payout, through the real HTTP API: the tenant starts a payment, the PhonePe
 * sandbox completes it and sends its webhook, the stream starts the payout, the workflow pays through the
 * Cashfree sandbox, and the owner reads the payout. Prints every status the owner could see.
 */
export async function runDemo(
  stack: LocalStack,
  print: (line: string) => void,
  timeoutMs = 60_000,
): Promise<{ payoutId: string; paymentId: string; utr: string; ms: number }> {
  const started = Date.now();
  await seedDemo(stack.directory);
  const tokens = await demoTokens(stack);
  const api = stack.urls.http;

  // The first rent period not paid yet, so every run of the demo makes a new payment.
  let period = new Date().toISOString().slice(0, 7);
  let created: { status: number; body: Record<string, unknown> } | null = null;
  for (let i = 0; i < 240; i += 1) {
    created = await call(`${api}/api/payments/`, {
      method: 'POST',
      token: tokens.tenant,
      body: JSON.stringify({ unit_id: DEMO.unitId, period }),
    });
    if (created.status !== 409) break;
    period = nextPeriod(period);
  }
  if (!created || created.status >= 300)
    throw new DemoError(`POST /api/payments/ answered ${created?.status}: ${JSON.stringify(created?.body)}`);
  const paymentId = String(created.body.id);
  const merchantOrderId = String(created.body.merchant_order_id);
  print(
    `tenant   POST /api/payments/ -> ${created.status} payment ${paymentId} (${period}, ₹${String(created.body.amount)}), checkout ${String(created.body.checkout_url)}`,
  );

  const paid = await fetch(`${stack.urls.phonepe}/_sandbox/orders/${merchantOrderId}/complete`, {
    method: 'POST',
  });
  if (!paid.ok)
    throw new DemoError(
      `PhonePe sandbox could not complete ${merchantOrderId}: ${paid.status} ${await paid.text()}`,
    );
  print(`phonepe  order ${merchantOrderId} paid; webhook sent to POST /api/webhooks/phonepe/`);

  const payouts = new DynamoPayoutRepository(stack.documentClient, stack.tables.payouts);
  let lastStatus = '';
  let payoutId = '';
  while (Date.now() - started < timeoutMs) {
    if (!payoutId) {
      const payment = await call(`${api}/api/payments/${paymentId}/`, {
        method: 'GET',
        token: tokens.tenant,
      });
      if (payment.body.status !== lastStatus) {
        lastStatus = String(payment.body.status);
        print(`payment  ${paymentId} ${lastStatus}`);
      }
      const payout = await payouts.getByPaymentId(paymentId);
      if (payout) {
        payoutId = payout.id;
        lastStatus = '';
      }
    }
    if (payoutId) {
      const view = await call(`${api}/api/owner-payouts/${payoutId}/`, {
        method: 'GET',
        token: tokens.owner,
      });
      const status = String(view.body.status);
      if (status !== lastStatus) {
        lastStatus = status;
        const extra = view.body.cashfree_transfer_id
          ? ` transfer ${String(view.body.cashfree_transfer_id)}`
          : '';
        const utr = view.body.cashfree_utr ? ` UTR ${String(view.body.cashfree_utr)}` : '';
        print(
          `payout   ${payoutId} ${status}${extra}${utr}  (owner GET /api/owner-payouts/${payoutId}/, ${Date.now() - started} ms)`,
        );
      }
      if (status === 'completed')
        return { payoutId, paymentId, utr: String(view.body.cashfree_utr), ms: Date.now() - started };
      if (status === 'failed' || status === 'reversed')
        throw new DemoError(`Demo payout ended ${status}: ${String(view.body.error_message)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new DemoError(
    `Demo payout did not complete within ${timeoutMs} ms (last status: ${lastStatus || 'none'})`,
  );
}
