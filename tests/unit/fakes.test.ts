import { describe, expect, it } from 'vitest';
import { ManualClock } from '../fakes/clock';
import { InMemoryDirectory } from '../fakes/directory';

describe('ManualClock', () => {
  it('moves only when told, and only forward', () => {
    const clock = new ManualClock('2031-04-01T10:00:00.000Z');
    expect(clock.iso()).toBe('2031-04-01T10:00:00.000Z');
    clock.advanceSeconds(90);
    expect(clock.now().toISOString()).toBe('2031-04-01T10:01:30.000Z');
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});

describe('InMemoryDirectory', () => {
  const owner = {
    id: 'O1',
    name: 'Asha Verma',
    email: 'a@example.com',
    phone: '',
    paymentDetails: {
      paymentMethod: 'bank' as const,
      bankName: 'SBI',
      accountNumber: '123456789012',
      ifscCode: 'SBIN0001234',
      upiId: '',
    },
    createdAt: '2031-01-01T00:00:00.000Z',
    updatedAt: '2031-01-01T00:00:00.000Z',
  };

  it('masks the account number unless asked for the payout destination, and hands out copies', async () => {
    const directory = new InMemoryDirectory();
    await directory.putOwner(owner);
    expect((await directory.getOwner('O1'))?.paymentDetails?.accountNumberMasked).toBe('********9012');
    const forPayout = await directory.getOwnerForPayout('O1');
    expect(forPayout?.paymentDetails?.accountNumber).toBe('123456789012');
    forPayout!.paymentDetails!.accountNumber = '000';
    expect((await directory.getOwnerForPayout('O1'))?.paymentDetails?.accountNumber).toBe('123456789012');
  });

  it('keeps every payment-details change, newest first, and refuses a change over a newer one', async () => {
    const directory = new InMemoryDirectory();
    await directory.putOwner(owner);
    const upi = {
      paymentMethod: 'upi' as const,
      bankName: '',
      accountNumber: '',
      ifscCode: '',
      upiId: 'a@ok',
    };
    await directory.updatePaymentDetails('O1', upi, 'asha', '2031-02-01T00:00:00.000Z', owner.updatedAt);
    await expect(
      directory.updatePaymentDetails(
        'O1',
        owner.paymentDetails,
        'asha',
        '2031-02-02T00:00:00.000Z',
        owner.updatedAt,
      ),
    ).rejects.toThrow('changed meanwhile');
    const changes = await directory.paymentDetailsHistory('O1', 10);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ changedBy: 'asha', old: { account_number: '********9012' } });
  });

  it('finds owners by a case-insensitive name prefix, in name order', async () => {
    const directory = new InMemoryDirectory();
    for (const [id, name] of [
      ['O2', 'asha Iyer'],
      ['O1', 'Asha Verma'],
      ['O3', 'Devi'],
    ] as const)
      await directory.putOwner({ ...owner, id, name });
    expect(await directory.findOwnerIdsByName('ASHA', 10)).toEqual(['O2', 'O1']);
    expect(await directory.findOwnerIdsByName('asha', 1)).toEqual(['O2']);
  });
});
