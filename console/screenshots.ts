import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OwnerPayout } from '../shared/domain/entities';
import { newId } from '../shared/domain/ids';
import { paise } from '../shared/domain/money';
import type { PayoutStatus } from '../shared/domain/payout-status';
import { launchChromium, signIn } from '../tests/support/browser';
import { startTestStack } from '../tests/support/local-stack';
import { bank, completedPaymentFor, payoutReaching, payoutsRepo } from '../tests/support/payouts';

/**
 * `npm run console:screenshots`: the screenshots in docs/images/, taken from a local stack with a few owners'
 * payouts in every status (one of them run for real through the workflow: failed, fixed, retried, completed).
 */
const OUT = fileURLToPath(new URL('../docs/images/', import.meta.url));

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const stack = await startTestStack();
  const browser = await launchChromium();
  try {
    const repo = payoutsRepo(stack);
    const real = await completedPaymentFor(stack, bank('12345'), 2_450_000, {
      owner: 'Meera Iyer',
      unit: 'B-204',
    });
    const failed = await payoutReaching(stack, real.paymentId, ['failed']);
    const others: [string, string, PayoutStatus, number, string, boolean][] = [
      ['Asha Verma', 'A-101', 'completed', 1_500_000, '2026-11-28T04:15:00.000Z', false],
      ['Karan Mehta', 'C-12', 'completed', 2_250_000, '2026-11-27T09:40:00.000Z', false],
      ['Rohit Sharma', 'E-3', 'reversed', 1_850_000, '2026-11-26T11:05:00.000Z', true],
      ['Fatima Sheikh', 'F-9', 'processing', 3_100_000, '2026-11-25T06:30:00.000Z', true],
      ['Vikram Nair', 'G-21', 'retry_scheduled', 1_200_000, '2026-11-24T13:20:00.000Z', false],
      ['Lakshmi Pillai', 'H-4', 'failed', 2_700_000, '2026-11-23T07:55:00.000Z', false],
      ['Asha Verma', 'A-101', 'completed', 1_500_000, '2026-10-28T04:10:00.000Z', false],
    ];
    for (const [name, unit, status, amount, at, attention] of others) {
      const ownerId = newId();
      const unitId = newId();
      await stack.directory.putOwner({
        id: ownerId,
        name,
        email: `${name.split(' ')[0]?.toLowerCase() ?? 'owner'}@example.com`,
        phone: '',
        paymentDetails: null,
        createdAt: at,
        updatedAt: at,
      });
      await stack.directory.putUnit({
        id: unitId,
        propertyId: newId(),
        ownerId,
        unitNumber: unit,
        rentPaise: paise(amount),
        createdAt: at,
      });
      const id = newId();
      const p: OwnerPayout = {
        ...failed,
        id,
        paymentId: newId(),
        ownerId,
        ownerName: name,
        unitId,
        amountPaise: paise(amount),
        status,
        beneficiaryType: 'bank',
        cashfreeTransferId: status === 'pending' ? null : `PAYOUT_${id}_1`,
        cashfreeUtr:
          status === 'completed' || status === 'reversed'
            ? `N${at.slice(0, 10).replace(/-/g, '')}4471`
            : null,
        retryCount: status === 'retry_scheduled' ? 1 : 0,
        initiatedAt: at,
        completedAt:
          status === 'completed' || status === 'reversed' ? at.replace(/:\d\d\.000Z$/, ':42.000Z') : null,
        updatedAt: at,
        errorMessage:
          status === 'failed'
            ? 'Cashfree transfer failed: INVALID_ACCOUNT_FAIL'
            : status === 'reversed'
              ? 'Cashfree reversed the transfer: ACCOUNT_CLOSED'
              : '',
        needsAttention: attention,
        attempts: [],
        version: 1,
      };
      await repo.createForPayment(p);
    }
    // The real one: the owner fixes the account, an operator retries, the workflow pays.
    await stack.directory.updatePaymentDetails(
      real.ownerId,
      bank('50100987654321'),
      'meera',
      new Date().toISOString(),
    );
    const context = await browser.newContext({
      viewport: { width: 1360, height: 900 },
      deviceScaleFactor: 1,
      locale: 'en-IN',
    });
    const page = await context.newPage();
    await signIn(page, stack.urls.console, { role: 'admin', sub: 'ops' });
    await page.locator('table.payouts tbody tr').nth(7).waitFor();
    await page.getByLabel(`Select payout ${failed.id}`).check();
    await page.getByRole('button', { name: 'Retry selected failed payouts' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.locator(`.results li[data-payout="${failed.id}"]`).waitFor();
    await page.locator(`tr[data-payout="${failed.id}"] .badge:not(.status-failed)`).first().waitFor();
    await page.screenshot({ path: `${OUT}console-payouts.png`, fullPage: true });

    await page.goto(`${stack.urls.console}payouts/${failed.id}`);
    await page.locator('.headline .badge.status-completed').waitFor({ timeout: 60_000 });
    await page.locator('[data-execution]').nth(1).waitFor();
    await page.getByText('**********4321').first().waitFor();
    await page.screenshot({ path: `${OUT}console-payout.png`, fullPage: true });

    await page.goto(`${stack.urls.console}summary?from=2026-11-01&to=2026-12-31`);
    await page.locator('tr[data-status="total"]').waitFor();
    await page.screenshot({ path: `${OUT}console-summary.png`, fullPage: true });

    await page.goto(`${stack.urls.console}attention`);
    await page.locator('#queue-failed-heading').waitFor();
    await page.locator('ul.queue li').nth(2).waitFor();
    await page.screenshot({ path: `${OUT}console-attention.png`, fullPage: true });

    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      locale: 'en-IN',
      isMobile: true,
    });
    const small = await phone.newPage();
    await signIn(small, stack.urls.console, { role: 'admin', sub: 'ops' });
    await small.goto(`${stack.urls.console}payouts?status=completed`);
    await small.locator('table.payouts tbody tr').nth(1).waitFor();
    await small.screenshot({ path: `${OUT}console-payouts-phone.png`, fullPage: false });
    console.log(`Screenshots in ${OUT}`);
  } finally {
    await browser.close();
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(`console:screenshots: ${(error as Error).message}`);
  process.exit(1);
});
