import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../infra/openapi';
import type { OwnerPayout } from '../../shared/domain/entities';
import {
  ownerResponse,
  payoutDetailResponse,
  payoutPageResponse,
  payoutSummaryResponse,
  propertyResponse,
  tenantResponse,
  unitResponse,
} from '../../shared/http/api-schemas';
import { newId } from '../../shared/domain/ids';
import { paise } from '../../shared/domain/money';
import type { PayoutStatus } from '../../shared/domain/payout-status';
import { encodeCursor } from '../../shared/payouts/list-payouts';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';
import { startTestStack } from '../support/local-stack';
import type { TestStack } from '../support/local-stack';

let stack: TestStack;
const ownerA = newId();
const ownerB = newId();
const created: OwnerPayout[] = [];
let tokenA = '';
let tokenB = '';
let admin = '';
let tenant = '';

const STATUSES: PayoutStatus[] = [
  'completed',
  'failed',
  'processing',
  'completed',
  'retry_scheduled',
  'pending',
];

function payout(
  ownerId: string,
  ownerName: string,
  initiatedAt: string,
  status: PayoutStatus,
  amount: number,
): OwnerPayout {
  return {
    id: newId(),
    paymentId: newId(),
    ownerId,
    ownerName,
    unitId: newId(),
    period: initiatedAt.slice(0, 7),
    propertyId: newId(),
    amountPaise: paise(amount),
    status,
    beneficiaryType: 'bank',
    cashfreeTransferId: null,
    cashfreeUtr: status === 'completed' ? 'UTR1' : null,
    retryCount: 0,
    attempt: 0,
    run: 1,
    initiatedAt,
    completedAt: status === 'completed' ? initiatedAt : null,
    updatedAt: initiatedAt,
    errorMessage: status === 'failed' ? 'Cashfree transfer failed: X' : '',
    needsAttention: false,
    attempts: [],
    version: 1,
  };
}

beforeAll(async () => {
  // The payouts below are written directly, months old, with no workflow runs: the payout reconciler would
  // rightly start runs for the unfinished ones. It waits a year here, so the listing sees them as written.
  stack = await startTestStack({ functionEnv: { PAYOUT_RECONCILE_AFTER_SECONDS: String(365 * 86_400) } });
  const directory = stack.directory;
  const now = new Date().toISOString();
  await directory.putOwner({
    id: ownerA,
    name: 'Asha Verma',
    email: 'a@example.com',
    phone: '',
    paymentDetails: null,
    createdAt: now,
    updatedAt: now,
  });
  await directory.putOwner({
    id: ownerB,
    name: 'Bharat Rao',
    email: 'b@example.com',
    phone: '',
    paymentDetails: null,
    createdAt: now,
    updatedAt: now,
  });
  const repo = new DynamoPayoutRepository(stack.documentClient, stack.tables.payouts);
  // 30 payouts for A over three months, 5 for B; written directly (no workflow runs for them).
  for (let i = 0; i < 30; i += 1) {
    const month = ['2026-09', '2026-10', '2026-11'][i % 3];
    const at = `${month}-${String(1 + (i % 27)).padStart(2, '0')}T10:${String(i).padStart(2, '0')}:00.000Z`;
    const p = payout(ownerA, 'Asha Verma', at, STATUSES[i % STATUSES.length]!, 1_000_000 + i * 100);
    await repo.createForPayment(p);
    created.push(p);
  }
  for (let i = 0; i < 5; i += 1) {
    const p = payout(ownerB, 'Bharat Rao', `2026-10-1${i}T08:00:00.000Z`, 'completed', 500_000);
    await repo.createForPayment(p);
    created.push(p);
  }
  tokenA = await stack.issuer.issue({ role: 'owner', sub: 'a', ownerId: ownerA });
  tokenB = await stack.issuer.issue({ role: 'owner', sub: 'b', ownerId: ownerB });
  admin = await stack.issuer.issue({ role: 'admin', sub: 'ops' });
  tenant = await stack.issuer.issue({ role: 'tenant', sub: 't', tenantId: newId() });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const newestFirst = (list: OwnerPayout[]) =>
  [...list]
    .sort((a, b) => (`${a.initiatedAt}#${a.id}` < `${b.initiatedAt}#${b.id}` ? 1 : -1))
    .map((p) => p.id);

/** Follows `next` links from the first page; returns the ids in order and every page. */
async function walk(path: string, token: string) {
  const ids: string[] = [];
  const pages: Record<string, unknown>[] = [];
  let url: string | null = `${stack.urls.http}${path}`;
  while (url) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      next: string | null;
      previous: string | null;
      results: { id: string }[];
    };
    // Every page is what the OpenAPI document says it is.
    payoutPageResponse.parse(body);
    pages.push(body);
    ids.push(...body.results.map((r) => r.id));
    url = body.next;
  }
  return { ids, pages };
}

describe('GET /api/owner-payouts/', () => {
  it('gives an owner their own payouts, newest first, page by page, and back again', async () => {
    const { ids, pages } = await walk('/api/owner-payouts/?page_size=7', tokenA);
    expect(ids).toEqual(newestFirst(created.filter((p) => p.ownerId === ownerA)));
    expect(pages).toHaveLength(5);
    expect(pages[0]!.previous).toBeNull();
    // previous from the third page leads back to exactly the second.
    const third = pages[2] as { previous: string };
    const back = (await (
      await fetch(third.previous, { headers: { authorization: `Bearer ${tokenA}` } })
    ).json()) as { results: { id: string }[] };
    expect(back.results.map((r) => r.id)).toEqual(
      (pages[1] as { results: { id: string }[] }).results.map((r) => r.id),
    );
  });

  it('filters by status and by a date range on initiated_at', async () => {
    const { ids } = await walk('/api/owner-payouts/?status=completed&page_size=3', tokenA);
    expect(ids).toEqual(newestFirst(created.filter((p) => p.ownerId === ownerA && p.status === 'completed')));
    const { ids: october } = await walk(
      '/api/owner-payouts/?initiated_at__gte=2026-10-01&initiated_at__lte=2026-10-31',
      tokenA,
    );
    expect(october).toEqual(
      newestFirst(created.filter((p) => p.ownerId === ownerA && p.initiatedAt.startsWith('2026-10'))),
    );
  });

  it('lets admins see everyone, walking the months, and filter by owner, payment and name', async () => {
    const { ids } = await walk('/api/owner-payouts/?page_size=8', admin);
    expect(ids).toEqual(newestFirst(created));
    const { ids: byOwner } = await walk(`/api/owner-payouts/?owner_id=${ownerB}`, admin);
    expect(byOwner).toEqual(newestFirst(created.filter((p) => p.ownerId === ownerB)));
    const { ids: byName } = await walk('/api/owner-payouts/?search=bHaRaT', admin);
    expect(byName).toEqual(byOwner);
    const target = created[4]!;
    const { ids: byPayment } = await walk(`/api/owner-payouts/?payment_id=${target.paymentId}`, admin);
    expect(byPayment).toEqual([target.id]);
    const { ids: failed } = await walk('/api/owner-payouts/?status=failed', admin);
    expect(failed).toEqual(newestFirst(created.filter((p) => p.status === 'failed')));
  });

  it('keeps owners to their own payouts and refuses what they may not ask', async () => {
    const { ids } = await walk('/api/owner-payouts/', tokenB);
    expect(ids).toEqual(newestFirst(created.filter((p) => p.ownerId === ownerB)));
    expect((await stack.api(`/api/owner-payouts/?owner_id=${ownerA}`, { token: tokenB })).status).toBe(400);
    expect((await stack.api(`/api/owner-payouts/${created[0]!.id}/`, { token: tokenB })).status).toBe(404);
    expect((await stack.api('/api/owner-payouts/', { token: tenant })).status).toBe(403);
    expect((await stack.api('/api/owner-payouts/')).status).toBe(401);
  });

  it.each([
    ['a tampered cursor', '?cursor=eyJkIjoibmV4dCIsImsiOiJub3BlIn0'],
    ['garbage as cursor', '?cursor=%%%'],
    ['a page size over 100', '?page_size=101'],
    ['an unknown status', '?status=paid'],
    ['an unknown parameter', '?sort=amount'],
    ['a bad date', '?initiated_at__gte=yesterday'],
  ])('answers %s with 400', async (_name, qs) => {
    const r = await stack.api(`/api/owner-payouts/${qs}`, { token: tokenA });
    expect(r.status).toBe(400);
    expect(r.body.detail).toEqual(expect.any(String));
  });

  it('renders the contract fields of the Django sample record', async () => {
    const r = await stack.api('/api/owner-payouts/?status=completed&page_size=1', { token: tokenA });
    const sample = (r.body.results as Record<string, unknown>[])[0]!;
    // The Django serializer's record: these names and types are what the owner app reads.
    expect(Object.keys(sample).sort()).toEqual(
      [
        'amount',
        'beneficiary_type',
        'cashfree_transfer_id',
        'cashfree_utr',
        'completed_at',
        'error_message',
        'id',
        'initiated_at',
        'owner_id',
        'payment_id',
        'retry_count',
        'status',
        // Added for the operators' console; the contract's names above are unchanged.
        'owner_name',
        'unit_id',
        'unit_number',
        'needs_attention',
      ].sort(),
    );
    expect(sample).toMatchObject({
      id: expect.any(String),
      payment_id: expect.any(String),
      owner_id: ownerA,
      status: 'completed',
      beneficiary_type: 'bank',
      retry_count: 0,
      error_message: '',
    });
    expect(sample.amount).toMatch(/^\d+\.\d{2}$/);
    expect(sample.initiated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
  });
});

describe('export.csv and the admin summary', () => {
  it('exports the same filters as CSV, owners their own only', async () => {
    const res = await fetch(`${stack.urls.http}/api/owner-payouts/export.csv?status=completed`, {
      headers: { authorization: `Bearer ${tokenB}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,payment_id,owner_id,amount,status,beneficiary_type,cashfree_transfer_id,cashfree_utr,retry_count,initiated_at,completed_at,error_message,owner_name,unit_id,needs_attention,unit_number',
    );
    expect(lines).toHaveLength(1 + 5);
    expect(lines.slice(1).every((l) => l.includes(ownerB) && !l.includes(ownerA))).toBe(true);
  });

  it('sums counts and amounts by status for admins only', async () => {
    const r = await stack.api(
      '/api/admin/payouts/summary/?initiated_at__gte=2026-09-01&initiated_at__lte=2026-11-30',
      { token: admin },
    );
    payoutSummaryResponse.parse(r.body);
    expect(r.status).toBe(200);
    const byStatus = r.body.by_status as Record<string, { count: number; amount: string }>;
    expect(byStatus.completed!.count).toBe(created.filter((p) => p.status === 'completed').length);
    const completedPaise = created
      .filter((p) => p.status === 'completed')
      .reduce((s, p) => s + p.amountPaise, 0);
    expect(byStatus.completed!.amount).toBe((completedPaise / 100).toFixed(2));
    expect((r.body.total as { count: number }).count).toBe(created.length);
    expect((await stack.api('/api/admin/payouts/summary/', { token: tokenA })).status).toBe(403);
  });
});

describe('an inverted initiated_at window', () => {
  const inverted = 'initiated_at__gte=2026-11-01&initiated_at__lte=2026-10-01';
  it.each([
    ['the owner list', '/api/owner-payouts/', () => tokenA],
    ['the CSV export', '/api/owner-payouts/export.csv', () => tokenA],
    ['the admin summary', '/api/admin/payouts/summary/', () => admin],
  ])('is a 400 naming the fields on %s', async (_name, path, token) => {
    const r = await stack.api(`${path}?${inverted}`, { token: token() });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual({
      initiated_at__gte: ['initiated_at__gte must not be later than initiated_at__lte.'],
    });
  });

  it('from a cursor outside the window (stale or tampered) is an empty page, for owners and admins', async () => {
    const october = 'initiated_at__gte=2026-10-01&initiated_at__lte=2026-10-31';
    // Older than September's first payout, and newer than the window's end: both point past the window.
    const cursors = [
      encodeCursor({ d: 'next', k: `2026-09-01T00:00:00.000Z#${newId()}` }),
      encodeCursor({ d: 'prev', k: `2026-11-15T00:00:00.000Z#${newId()}` }),
    ];
    for (const token of [tokenA, admin]) {
      for (const cursor of cursors) {
        const r = await stack.api(`/api/owner-payouts/?${october}&cursor=${cursor}`, { token });
        expect(r.status).toBe(200);
        expect(r.body).toEqual({ next: null, previous: null, results: [] });
      }
    }
    // A real cursor from an unfiltered first page (its last payout is in November), replayed after the
    // filters moved the window past it.
    const first = await stack.api('/api/owner-payouts/?page_size=5', { token: tokenA });
    const stale = new URL(String(first.body.next)).searchParams.get('cursor') ?? '';
    const replayed = await stack.api(
      `/api/owner-payouts/?initiated_at__gte=2026-12-01&cursor=${encodeURIComponent(stale)}`,
      { token: tokenA },
    );
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ next: null, previous: null, results: [] });
  });
});

describe('OpenAPI', () => {
  it('serves the generated document at /api/openapi.json, without a token', async () => {
    const r = await stack.api('/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body).toEqual(JSON.parse(JSON.stringify(buildOpenApi())));
  });

  it('a payout detail validates against the documented schema', async () => {
    const r = await stack.api(`/api/owner-payouts/${created[0]!.id}/`, { token: tokenA });
    expect(payoutDetailResponse.safeParse(r.body).success).toBe(true);
  });
});

describe('directory administration', () => {
  it('sets up an owner, property, unit and tenant through the API; the tenant then pays the unit rent', async () => {
    const post = (kind: string, json: unknown, token = admin) =>
      stack.api(`/api/admin/${kind}/`, { method: 'POST', token, json });
    const o = await post('owners', { name: 'Devi Iyer', email: 'devi@example.com', phone: '+919800000009' });
    expect(o.status).toBe(201);
    const p = await post('properties', {
      owner_id: o.body.id,
      name: 'Palm Court',
      address: '4 Beach Road, Chennai',
    });
    expect(p.status).toBe(201);
    const u = await post('units', { property_id: p.body.id, unit_number: 'B-2', rent: '12500.50' });
    expect(u.status).toBe(201);
    expect(u.body).toMatchObject({ owner_id: o.body.id, rent: '12500.50' });
    const t = await post('tenants', { name: 'Esha Rao', email: 'esha@example.com', unit_id: u.body.id });
    expect(t.status).toBe(201);
    expect((await stack.api(`/api/admin/units/${String(u.body.id)}/`, { token: admin })).body).toEqual(
      u.body,
    );
    ownerResponse.parse(o.body);
    propertyResponse.parse(p.body);
    unitResponse.parse(u.body);
    tenantResponse.parse(t.body);

    const tenantToken = await stack.issuer.issue({
      role: 'tenant',
      sub: 'esha',
      tenantId: String(t.body.id),
    });
    const payment = await stack.api('/api/payments/', {
      method: 'POST',
      token: tenantToken,
      json: { unit_id: u.body.id, period: '2031-01' },
    });
    expect(payment.status).toBe(201);
    expect(payment.body.amount).toBe('12500.50');
  });

  it.each([
    ['owners', { name: 'X', email: 'not-an-email' }, 'email'],
    ['properties', { owner_id: newId(), name: 'P', address: 'A' }, 'owner_id'],
    ['units', { property_id: newId(), unit_number: '1', rent: '100.00' }, 'property_id'],
    ['units', { property_id: newId(), unit_number: '1', rent: '12,000' }, 'rent'],
    ['tenants', { name: 'Tina', email: 't@example.com', unit_id: newId() }, 'unit_id'],
  ])('refuses a bad %s body with a field error', async (kind, json, field) => {
    const r = await stack.api(`/api/admin/${kind}/`, { method: 'POST', token: admin, json });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.errors as object)).toContain(field);
  });

  it('changes a unit rent and moves a tenant between units', async () => {
    const post = (kind: string, json: unknown) =>
      stack.api(`/api/admin/${kind}/`, { method: 'POST', token: admin, json });
    const o = await post('owners', { name: 'Farah Khan', email: 'farah@example.com' });
    const p = await post('properties', { owner_id: o.body.id, name: 'Lake View', address: '9 Lake Road' });
    const u1 = await post('units', { property_id: p.body.id, unit_number: '1', rent: '9000' });
    const u2 = await post('units', { property_id: p.body.id, unit_number: '2', rent: '9500' });
    const t = await post('tenants', { name: 'Gita', email: 'gita@example.com', unit_id: u1.body.id });
    const rent = await stack.api(`/api/admin/units/${String(u1.body.id)}/`, {
      method: 'PUT',
      token: admin,
      json: { rent: '9250.00' },
    });
    expect(rent.status).toBe(200);
    expect(rent.body.rent).toBe('9250.00');
    const moved = await stack.api(`/api/admin/tenants/${String(t.body.id)}/`, {
      method: 'PUT',
      token: admin,
      json: { unit_id: u2.body.id },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.unit_id).toBe(u2.body.id);
    expect(
      (
        await stack.api(`/api/admin/tenants/${String(t.body.id)}/`, {
          method: 'PUT',
          token: admin,
          json: { unit_id: newId() },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await stack.api(`/api/admin/units/${newId()}/`, {
          method: 'PUT',
          token: admin,
          json: { rent: '1.00' },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await stack.api(`/api/admin/units/${String(u1.body.id)}/`, {
          method: 'PUT',
          token: admin,
          json: { rent: '-5' },
        })
      ).status,
    ).toBe(400);
  });

  it('is for admins only', async () => {
    expect(
      (
        await stack.api('/api/admin/owners/', {
          method: 'POST',
          token: tokenA,
          json: { name: 'Xx', email: 'x@example.com' },
        })
      ).status,
    ).toBe(403);
    expect((await stack.api(`/api/admin/owners/${ownerA}/`, { token: tenant })).status).toBe(403);
    expect((await stack.api(`/api/admin/owners/${newId()}/`, { token: admin })).status).toBe(404);
  });
});
