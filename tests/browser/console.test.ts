/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../shared/domain/ids';
import { paise } from '../../shared/domain/money';
import type { OwnerPayout, Payment } from '../../shared/domain/entities';
import { pendingPayment } from '../../shared/payments/new-payment';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import { launchChromium, signIn } from '../support/browser';
import { eventually, startTestStack } from '../support/local-stack';
import type { TestStack } from '../support/local-stack';
import { bank, completedPaymentFor, payoutReaching, payoutsRepo } from '../support/payouts';

/**
 * The operators' console in a real browser (Debian's Chromium) against the real local stack: what an operator
 * does, through the page only. One stack and one browser for the file; every wait is for a condition.
 */
let stack: TestStack;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let failed: OwnerPayout;
let completed: OwnerPayout;
let meeraId: string;
const march: OwnerPayout[] = [];

/** The ids of the payouts the table shows, in order. */
async function rowIds(p: Page): Promise<string[]> {
  return p
    .locator('table.payouts tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-payout') ?? ''));
}

async function rowsBecome(p: Page, want: (ids: string[]) => boolean): Promise<string[]> {
  return eventually(async () => {
    if ((await p.locator('.table-wrap[aria-busy="true"]').count()) > 0) return null;
    const ids = await rowIds(p);
    return want(ids) ? ids : null;
  });
}

beforeAll(async () => {
  stack = await startTestStack({ functionEnv: { STATUS_CHECK_WINDOW_SECONDS: '0' } });
  browser = await launchChromium();
  // A payout that fails (the account number is too short) and one that completes, both started by the stream.
  const bad = await completedPaymentFor(stack, bank('12345'), 1_800_000, {
    owner: 'Meera Iyer',
    unit: 'B-204',
  });
  meeraId = bad.ownerId;
  const good = await completedPaymentFor(stack, bank('50100123456789'), 2_250_000, {
    owner: 'Karan Mehta',
    unit: 'C-12',
  });
  failed = await payoutReaching(stack, bad.paymentId, ['failed']);
  completed = await payoutReaching(stack, good.paymentId, ['completed']);
  // Two older payouts of Karan's, initiated in March 2025 (India time), for the date filter.
  for (const [at, status] of [
    ['2025-03-10T06:30:00.000Z', 'completed'],
    ['2025-03-31T20:00:00.000Z', 'completed'], // 1 April 01:30 IST: outside March in India time
  ] as const) {
    const p: OwnerPayout = {
      ...completed,
      id: newId(),
      paymentId: newId(),
      // Each its own rent period: one payout per unit and period.
      period: at.slice(0, 7) === '2025-03' ? `2025-0${march.length + 1}` : at.slice(0, 7),
      status,
      amountPaise: paise(1_000_000),
      initiatedAt: at,
      completedAt: at,
      updatedAt: at,
      cashfreeTransferId: null,
      cashfreeUtr: 'UTR2025031000001',
      attempts: [],
      version: 1,
    };
    await payoutsRepo(stack).createForPayment(p);
    march.push(p);
  }
  admin = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await admin.newPage();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the operators console', () => {
  it('refuses a non-admin, in the page and at the API', async () => {
    const context = await browser.newContext();
    const owner = await context.newPage();
    await signIn(owner, stack.urls.console, { role: 'owner', sub: 'meera', ownerId: meeraId });
    await owner.getByRole('heading', { name: 'Admins only' }).waitFor();
    expect(await owner.getByRole('alert').textContent()).toContain('groups: owners');
    expect(await owner.getByRole('link', { name: 'Payouts' }).count()).toBe(0);
    // The API refuses the same token whatever the page does.
    const status = await owner.evaluate(async () => {
      const token = sessionStorage.getItem('rent-payout.console.id-token');
      const res = await fetch('/api/admin/payouts/summary/', {
        headers: { authorization: `Bearer ${token}` },
      });
      return res.status;
    });
    expect(status).toBe(403);
    await context.close();
  });

  it('signs an admin in and lists payouts newest first, times in IST with UTC on hover', async () => {
    await signIn(page, stack.urls.console, { role: 'admin', sub: 'ops' });
    await page.getByRole('heading', { name: 'Owner payouts' }).waitFor();
    const ids = await rowsBecome(page, (ids) => ids.length === 4);
    expect(ids.slice(2).sort()).toEqual(march.map((p) => p.id).sort());
    const row = page.locator(`tr[data-payout="${march[0]!.id}"]`);
    const time = row.locator('td[data-label="Initiated at"] time');
    expect(await time.textContent()).toBe('10 Mar 2025, 12:00:00 IST');
    expect(await time.getAttribute('title')).toBe('2025-03-10T06:30:00.000Z (UTC)');
    expect(await row.locator('td[data-label="Amount"]').textContent()).toBe('₹10,000.00');
    const failedRow = page.locator(`tr[data-payout="${failed.id}"]`);
    expect(await failedRow.locator('td[data-label="Owner"]').textContent()).toBe('Meera Iyer');
    expect(await failedRow.locator('td[data-label="Payment info"]').textContent()).toContain('Unit B-204');
    expect(await failedRow.locator('.badge.status-failed').textContent()).toBe('Failed');
  });

  it('searches by owner name, and by payment id', async () => {
    await page.getByLabel('Search').fill('meera');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    expect(await rowsBecome(page, (ids) => ids.length === 1)).toEqual([failed.id]);
    expect(new URL(page.url()).searchParams.get('search')).toBe('meera');
    await page.getByLabel('Search').fill(completed.paymentId);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    expect(await rowsBecome(page, (ids) => ids.length === 1 && ids[0] === completed.id)).toEqual([
      completed.id,
    ]);
  });

  it('filters by status and India-time dates, in a URL that can be shared', async () => {
    await page.goto(`${stack.urls.console}payouts`);
    await page.getByLabel('Status').selectOption('completed');
    await page.getByLabel('Initiated from (IST)').fill('2025-03-01');
    await page.getByLabel('Initiated to (IST)').fill('2025-03-31');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    expect(await rowsBecome(page, (ids) => ids.length === 1 && ids[0] === march[0]!.id)).toHaveLength(1);
    const shared = page.url();
    expect(new URL(shared).search).toBe('?status=completed&from=2025-03-01&to=2025-03-31');
    // Someone else opens the link: they sign in first and land on the same filtered list.
    const context = await browser.newContext();
    const other = await context.newPage();
    await other.goto(shared);
    await other.getByLabel('User id').fill('ops-2');
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.waitForURL(shared);
    expect(await rowsBecome(other, (ids) => ids.length === 1)).toEqual([march[0]!.id]);
    expect(await other.getByLabel('Status').inputValue()).toBe('completed');
    await context.close();
    // A range that ends before it starts is shown at the field, and nothing is asked of the API.
    await page.getByLabel('Initiated from (IST)').fill('2025-04-01');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('#f-to-error').waitFor();
    expect(await page.locator('#f-to-error').textContent()).toBe(
      'The end date must be on or after the start date.',
    );
    expect(await page.getByLabel('Initiated to (IST)').getAttribute('aria-invalid')).toBe('true');
  });

  it('exports the current filter as CSV', async () => {
    await page.goto(`${stack.urls.console}payouts?search=karan`);
    await rowsBecome(page, (ids) => ids.length === 3);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('owner-payouts.csv');
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(lines[0]).toContain('id,payment_id,owner_id,amount,status');
    expect(lines).toHaveLength(1 + 3);
    expect(lines.slice(1).every((l) => l.includes('Karan Mehta') && l.includes('C-12'))).toBe(true);
  });

  it('retries a failed payout from the list and follows it to completed on its page', async () => {
    // The owner fixes the account number, as the failure's message asks.
    await stack.directory.updatePaymentDetails(
      meeraId,
      bank('50100987654321'),
      'meera',
      new Date().toISOString(),
    );
    await page.goto(`${stack.urls.console}payouts`);
    await rowsBecome(page, (ids) => ids.includes(failed.id));
    await page.getByLabel(`Select payout ${failed.id}`).check();
    await page.getByLabel(`Select payout ${completed.id}`).check();
    await page.getByRole('button', { name: 'Retry selected failed payouts' }).click();
    const dialog = page.getByRole('dialog', { name: 'Retry selected failed payouts?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    const result = page.locator(`.results li[data-payout="${failed.id}"]`);
    await result.waitFor();
    expect(await result.textContent()).toMatch(/Done: now (Retry scheduled|Processing|Completed)\./);
    const refused = page.locator(`.results li[data-payout="${completed.id}"]`);
    await refused.waitFor();
    expect(await refused.textContent()).toContain(
      'Refused: Only failed payouts can be retried; this one is completed.',
    );
    await result.getByRole('link').click();
    await page.getByRole('heading', { name: `Payout ${failed.id}` }).waitFor();
    // The page reads the payout again while it moves, until Cashfree's success lands.
    await page.locator('.headline .badge.status-completed').waitFor({ timeout: 45_000 });
    const attempts = page.locator('ol.timeline li');
    await eventually(async () => (await attempts.count()) >= 1);
    expect(await attempts.first().textContent()).toContain('SUCCESS');
    const runs = page.locator('[data-execution]');
    await eventually(
      async () => (await runs.count()) === 2 && (await runs.first().textContent())?.includes('SUCCEEDED'),
    );
    expect(await runs.nth(1).textContent()).toContain(`${failed.id}-1`);
    await page
      .locator('section', { hasText: "Owner's payment details" })
      .getByText('**********4321')
      .first()
      .waitFor();
  });

  it('checks status with Cashfree for the selected payouts, one result per row', async () => {
    await page.goto(`${stack.urls.console}payouts?search=karan`);
    await rowsBecome(page, (ids) => ids.length === 3);
    await page.getByLabel(`Select payout ${completed.id}`).check();
    await page.getByLabel(`Select payout ${march[0]!.id}`).check();
    await page.getByRole('button', { name: 'Check status with Cashfree' }).click();
    const dialog = page.getByRole('dialog', { name: 'Check status with Cashfree?' });
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await eventually(async () => (await page.locator('.results li').count()) === 2);
    expect(await page.locator(`.results li[data-payout="${completed.id}"]`).textContent()).toContain(
      'Done: now Completed.',
    );
    expect(await page.locator(`.results li[data-payout="${march[0]!.id}"]`).textContent()).toContain(
      'Done: now Completed.',
    );
    expect(await page.getByRole('button', { name: 'Check status with Cashfree' }).isDisabled()).toBe(true);
  });

  it('shows counts and amounts by status for a date range', async () => {
    await page.goto(`${stack.urls.console}summary?from=2025-03-01&to=2025-03-31`);
    const total = page.locator('tr[data-status="total"]');
    await total.waitFor();
    expect(await page.locator('tr[data-status="completed"] td').allTextContents()).toEqual([
      '1',
      '₹10,000.00',
    ]);
    expect(await total.locator('td').allTextContents()).toEqual(['1', '₹10,000.00']);
    expect(await page.getByRole('img', { name: /Amount by status/ }).count()).toBe(1);
  });

  it('creates an owner, showing the API field error next to its field first', async () => {
    await page.goto(`${stack.urls.console}directory`);
    const form = page.locator('form#new-owner');
    await form.getByLabel('Name').fill('Devi Iyer');
    await form.getByLabel('Email').fill('devi-at-example.com');
    await form.getByRole('button', { name: 'Create owner' }).click();
    const error = form.locator('#f-email-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/email/i);
    expect(await form.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    // The API's error focuses the field, so the operator can type the fix straight away.
    await page.waitForFunction(() => document.activeElement?.id === 'f-email');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('devi@example.com');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Owner: Devi Iyer' }).waitFor();
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const token = await tokenOf(page);
    const r = await stack.api(`/api/admin/owners/${id}/`, { token });
    expect(r.body).toMatchObject({ name: 'Devi Iyer', email: 'devi@example.com' });
  });

  it('shows what needs an operator: a payout paid twice, rent paid twice, an amount mismatch', async () => {
    const now = new Date().toISOString();
    const twice: OwnerPayout = {
      ...completed,
      id: newId(),
      paymentId: newId(),
      unitId: newId(),
      needsAttention: true,
      duplicatePayment: true,
      initiatedAt: now,
      updatedAt: now,
      version: 1,
    };
    await payoutsRepo(stack).createForPayment(twice);
    // Two payments the API flags for an operator, written as the confirmation leaves them.
    const payments = new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
    const flagged = async (change: Partial<Payment>) => {
      const p = pendingPayment({
        id: newId(),
        tenantId: newId(),
        unitId: newId(),
        propertyId: newId(),
        ownerId: meeraId,
        period: '2031-05',
        amountPaise: paise(1_800_000),
        now,
      });
      expect(await payments.create(p)).toEqual({ created: true });
      await payments.save({ ...p, ...change }, p.version);
      return p.id;
    };
    const mismatch = await flagged({ flags: ['amount_mismatch'], phonepeAmountPaise: 1_700_000 });
    const paidBefore = newId();
    const duplicate = await flagged({
      status: 'completed',
      completedAt: now,
      flags: ['duplicate_payment'],
      duplicateOf: paidBefore,
    });

    await page.goto(`${stack.urls.console}attention`);
    const needs = page.getByRole('region', { name: 'Needs attention' });
    await needs.locator(`li[data-payout="${twice.id}"]`).waitFor();
    const mismatches = page.getByRole('region', { name: 'Amount mismatches' });
    const row = mismatches.locator(`li[data-payment="${mismatch}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('PhonePe reported ₹17,000.00');
    const dup = page
      .getByRole('region', { name: 'Rent paid twice' })
      .locator(`li[data-payment="${duplicate}"]`);
    await dup.waitFor();
    expect(await dup.textContent()).toContain('already paid by payment');
    expect(await dup.textContent()).toContain(paidBefore);

    await page.goto(`${stack.urls.console}payouts/${twice.id}`);
    await page.locator('.headline .badge.duplicate').waitFor();
    expect(await page.locator('.headline').textContent()).toContain('Paid twice');
  });
});

async function tokenOf(p: Page): Promise<string> {
  return p.evaluate(() => sessionStorage.getItem('rent-payout.console.id-token') ?? '');
}
