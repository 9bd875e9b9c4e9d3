import { describe, expect, it } from 'vitest';
import {
  compileFilterCriteria,
  compilePattern,
  FilterPatternError,
} from '../../infra/local/dynamodb/event-filter';
import { PAYMENT_COMPLETED_FILTER, PHONEPE_EVENT_RECORDED_FILTER } from '../../infra/stateless-stack';

const modify = (oldStatus: string | undefined, newStatus: string, entity = 'payment') => ({
  eventName: 'MODIFY',
  dynamodb: {
    NewImage: { entity: { S: entity }, status: { S: newStatus } },
    ...(oldStatus ? { OldImage: { entity: { S: entity }, status: { S: oldStatus } } } : {}),
  },
});

describe('Lambda filter criteria, as the local stream poller applies them', () => {
  const completed = compilePattern(JSON.stringify(PAYMENT_COMPLETED_FILTER));

  it('passes a payment that just became completed', () => {
    expect(completed(modify('pending', 'completed'))).toBe(true);
    expect(completed(modify('expired', 'completed'))).toBe(true);
  });

  it('drops a completed payment modified again, another status, another entity, or an insert', () => {
    expect(completed(modify('completed', 'completed'))).toBe(false);
    expect(completed(modify('pending', 'failed'))).toBe(false);
    expect(completed(modify('pending', 'completed', 'payment_period'))).toBe(false);
    expect(completed({ ...modify('pending', 'completed'), eventName: 'INSERT' })).toBe(false);
  });

  it('anything-but does not match a missing field', () => {
    expect(completed(modify(undefined, 'completed'))).toBe(false);
  });

  it('passes only recorded PhonePe events to the confirmer', () => {
    const recorded = compilePattern(JSON.stringify(PHONEPE_EVENT_RECORDED_FILTER));
    expect(
      recorded({ eventName: 'INSERT', dynamodb: { NewImage: { entity: { S: 'phonepe_event' } } } }),
    ).toBe(true);
    expect(recorded({ eventName: 'INSERT', dynamodb: { NewImage: { entity: { S: 'payment' } } } })).toBe(
      false,
    );
  });

  it.each([
    [{ a: [{ prefix: 'ab' }] }, { a: 'abc' }, true],
    [{ a: [{ prefix: 'ab' }] }, { a: 'xab' }, false],
    [{ a: [{ suffix: '.png' }] }, { a: 'x.png' }, true],
    [{ a: [{ exists: false }] }, {}, true],
    [{ a: [{ exists: true }] }, {}, false],
    [{ a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 5 }, true],
    [{ a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 6 }, false],
    [{ a: [{ 'equals-ignore-case': 'ABC' }] }, { a: 'abc' }, true],
    [{ a: [{ 'anything-but': { prefix: 'x' } }] }, { a: 'yz' }, true],
    [{ a: ['v'] }, { a: ['u', 'v'] }, true],
    [{ $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' }, true],
    [{ $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '3' }, false],
  ])('%j on %j -> %s', (pattern, event, expected) => {
    expect(compilePattern(pattern as never)(event as never)).toBe(expected);
  });

  it('rejects operators it cannot honour, at compile time', () => {
    expect(() => compilePattern({ a: [{ wildcard: '*x' }] } as never)).toThrow(FilterPatternError);
    expect(() => compilePattern('not json')).toThrow(FilterPatternError);
  });

  it('delivers a record that matches any of several filters; no filters deliver everything', () => {
    const any = compileFilterCriteria({ Filters: [{ Pattern: '{"a":["1"]}' }, { Pattern: '{"a":["2"]}' }] });
    expect(any({ a: '2' })).toBe(true);
    expect(any({ a: '3' })).toBe(false);
    expect(compileFilterCriteria(undefined)({})).toBe(true);
  });
});
