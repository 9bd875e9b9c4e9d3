import { describe, expect, it } from 'vitest';
import { classifyTransfer } from '../../shared/domain/transfer-outcome';

describe('Cashfree transfer outcome', () => {
  it.each(['RECEIVED', 'PENDING', 'APPROVAL_PENDING', 'QUEUED', 'SOMETHING_NEW'])(
    '%s is not final',
    (status) => {
      expect(classifyTransfer({ status }).kind).toBe('pending');
    },
  );

  it('SUCCESS carries the UTR', () => {
    expect(classifyTransfer({ status: 'SUCCESS', statusCode: 'COMPLETED', utr: 'UTR1' })).toEqual({
      kind: 'succeeded',
      utr: 'UTR1',
    });
  });

  it.each(['INSUFFICIENT_BALANCE', 'WAIT_TIME_EXCEEDED', 'IMPS_MODE_FAIL'])(
    'FAILED/%s is retryable',
    (statusCode) => {
      expect(classifyTransfer({ status: 'FAILED', statusCode })).toMatchObject({
        kind: 'failed',
        retryable: true,
      });
    },
  );

  it.each([
    ['FAILED', 'INVALID_BENE_ACCOUNT_OR_IFSC'],
    ['FAILED', 'INVALID_BENE_VPA'],
    ['FAILED', 'ACCOUNT_BLOCKED'],
    ['REJECTED', 'BENE_BLACKLISTED'],
    ['REJECTED', 'WAIT_TIME_EXCEEDED'],
  ])('%s/%s is permanent', (status, statusCode) => {
    expect(classifyTransfer({ status, statusCode })).toMatchObject({ kind: 'failed', retryable: false });
  });

  it('REVERSED is its own outcome', () => {
    expect(classifyTransfer({ status: 'REVERSED', statusCode: 'INVALID_ACCOUNT_FAIL' }).kind).toBe(
      'reversed',
    );
  });
});
