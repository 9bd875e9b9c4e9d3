import { describe, expect, it } from 'vitest';
import {
  canAdvanceAttempt,
  isAttemptFinal,
  NOT_ACCEPTED,
  SUBMITTING,
} from '../../shared/domain/attempt-status';

describe('attempt statuses move forward only', () => {
  it.each([
    [SUBMITTING, 'RECEIVED'],
    [SUBMITTING, 'SUCCESS'],
    [SUBMITTING, NOT_ACCEPTED],
    ['RECEIVED', 'PENDING'],
    ['RECEIVED', 'APPROVAL_PENDING'],
    ['APPROVAL_PENDING', 'PENDING'],
    ['PENDING', 'QUEUED'],
    ['PENDING', 'SUCCESS'],
    ['PENDING', 'FAILED'],
    ['QUEUED', 'REJECTED'],
    ['SUCCESS', 'REVERSED'],
    ['PENDING', 'REVERSED'],
    // Cashfree's evidence that the money moved beats an earlier failure.
    ['FAILED', 'SUCCESS'],
    ['REJECTED', 'SUCCESS'],
    [NOT_ACCEPTED, 'SUCCESS'],
  ])('%s -> %s', (from, to) => {
    expect(canAdvanceAttempt(from, to)).toBe(true);
  });

  it.each([
    // A stale PENDING webhook after SUCCESS, a stale FAILED after SUCCESS: never rewrite the history.
    ['SUCCESS', 'PENDING'],
    ['SUCCESS', 'RECEIVED'],
    ['SUCCESS', 'FAILED'],
    ['REVERSED', 'SUCCESS'],
    ['REVERSED', 'PENDING'],
    ['FAILED', 'PENDING'],
    ['FAILED', 'REJECTED'],
    ['REJECTED', 'FAILED'],
    ['PENDING', 'RECEIVED'],
    ['RECEIVED', SUBMITTING],
    ['PENDING', SUBMITTING],
  ])('not %s -> %s', (from, to) => {
    expect(canAdvanceAttempt(from, to)).toBe(false);
  });

  it('knows which statuses are final, and treats an unknown status as in flight', () => {
    for (const s of ['SUCCESS', 'FAILED', 'REJECTED', 'MANUALLY_REJECTED', 'REVERSED', NOT_ACCEPTED])
      expect(isAttemptFinal(s), s).toBe(true);
    for (const s of [SUBMITTING, 'RECEIVED', 'PENDING', 'APPROVAL_PENDING', 'QUEUED', 'SOMETHING_NEW'])
      expect(isAttemptFinal(s), s).toBe(false);
    expect(canAdvanceAttempt('PENDING', 'SOMETHING_NEW')).toBe(true);
    expect(canAdvanceAttempt('SUCCESS', 'SOMETHING_NEW')).toBe(false);
  });
});
