import { describe, expect, it } from 'vitest';
import { allowedSources, canTransition, PAYOUT_STATUSES } from '../../shared/domain/payout-status';

describe('payout status transitions', () => {
  it('allows exactly the moves of the design', () => {
    const allowed = PAYOUT_STATUSES.flatMap((from) =>
      PAYOUT_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'pending->processing',
        'pending->failed',
        'processing->completed',
        'processing->retry_scheduled',
        'processing->failed',
        'processing->reversed',
        'retry_scheduled->processing',
        'retry_scheduled->failed',
        'retry_scheduled->completed',
        'failed->retry_scheduled',
        'failed->completed',
        'completed->reversed',
        'reversed->completed',
      ].sort(),
    );
  });

  it('lets a success win from every status that has had a transfer', () => {
    expect(allowedSources('completed').sort()).toEqual([
      'failed',
      'processing',
      'retry_scheduled',
      'reversed',
    ]);
  });

  it('never moves a completed payout back', () => {
    for (const to of PAYOUT_STATUSES)
      if (to !== 'reversed') expect(canTransition('completed', to)).toBe(false);
  });

  it('names the statuses a write to failed must expect', () => {
    expect(allowedSources('failed').sort()).toEqual(['pending', 'processing', 'retry_scheduled']);
  });
});
