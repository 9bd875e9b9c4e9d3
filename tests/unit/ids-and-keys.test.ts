import { describe, expect, it } from 'vitest';
import {
  executionNameFor,
  isId,
  merchantOrderIdFor,
  newId,
  paymentIdFromMerchantOrderId,
  transferIdFor,
} from '../../shared/domain/ids';
import { keys, WATCH_SHARDS } from '../../shared/repositories/keys';

describe('ids', () => {
  it('are sortable ULIDs, newer after older', () => {
    const a = newId();
    const b = newId();
    expect(isId(a)).toBe(true);
    expect(b > a).toBe(true);
  });

  it('make Cashfree transfer ids within 40 characters of letters, digits and _', () => {
    const id = transferIdFor(newId(), 999_999);
    expect(id.length).toBeLessThanOrEqual(40);
    expect(id).toMatch(/^[A-Za-z0-9_]+$/);
    expect(() => transferIdFor(newId(), 0)).toThrow(RangeError);
  });

  it('make PhonePe merchant order ids that map back to the payment', () => {
    const paymentId = newId();
    const orderId = merchantOrderIdFor(paymentId);
    expect(orderId.length).toBeLessThanOrEqual(63);
    expect(orderId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(paymentIdFromMerchantOrderId(orderId)).toBe(paymentId);
    expect(paymentIdFromMerchantOrderId('SOMETHING_ELSE')).toBeNull();
  });

  it('name executions by payout and run', () => {
    expect(executionNameFor('P', 2)).toBe('P-2');
  });
});

describe('keys', () => {
  it('put one payout per payment under a key of its own', () => {
    expect(keys.payoutOfPayment('PAY1')).toEqual({ pk: 'PAYMENT#PAY1', sk: 'PAYOUT' });
    expect(keys.payout('X')).toEqual({ pk: 'PAYOUT#X', sk: 'PAYOUT' });
  });

  it('index payouts by owner, status, owner+status and month, newest first by time then id', () => {
    const at = '2026-01-01T00:00:00.000Z';
    expect(keys.payoutIndexes({ id: 'X', ownerId: 'O', status: 'failed', initiatedAt: at })).toEqual({
      gsi1pk: 'OWNER#O',
      gsi1sk: `${at}#X`,
      gsi2pk: 'PAYOUT_STATUS#failed',
      gsi2sk: `${at}#X`,
      gsi3pk: 'OWNER#O#STATUS#failed',
      gsi3sk: `${at}#X`,
      gsi4pk: 'PAYOUT_MONTH#2026-01',
      gsi4sk: `${at}#X`,
    });
    expect(keys.payoutSortKey({ id: 'X', initiatedAt: at })).toBe(`${at}#X`);
  });

  it('put watched payouts on one of the watch index shards, by id, ordered by their watch mark', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const shards = new Set<string>();
    for (const id of [
      '01J0000000000000000000000A',
      '01J0000000000000000000000B',
      '01J0000000000000000000000C',
      '01J0000000000000000000000D',
    ]) {
      const key = keys.payoutWatch(id, at);
      expect(key.gsi5sk).toBe(`${at}#${id}`);
      expect(keys.payoutWatch(id, '2027-01-01T00:00:00.000Z').gsi5pk).toBe(key.gsi5pk);
      shards.add(key.gsi5pk);
    }
    expect([...shards].sort()).toEqual(
      Array.from({ length: WATCH_SHARDS }, (_, i) => keys.payoutWatchShard(i)).sort(),
    );
  });

  it('index owners by lower-cased name for a prefix search', () => {
    expect(keys.ownerNameIndex({ id: 'O', name: ' Asha Verma ' })).toEqual({
      gsi1pk: 'OWNER_NAME',
      gsi1sk: 'asha verma#O',
    });
  });

  it('claim a unit rent period with one item', () => {
    expect(keys.paymentPeriod('U', '2026-11')).toEqual({ pk: 'UNIT#U#PERIOD#2026-11', sk: 'PAYMENT_PERIOD' });
  });
});
