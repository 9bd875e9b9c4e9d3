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
const matches = (pattern: object, event: unknown) =>
  compilePattern(pattern as Record<string, unknown>)(event);

describe("the project's stream filters", () => {
  const completed = compilePattern(JSON.stringify(PAYMENT_COMPLETED_FILTER));

  it('pass a payment that just became completed', () => {
    expect(completed(modify('pending', 'completed'))).toBe(true);
    expect(completed(modify('expired', 'completed'))).toBe(true);
  });

  it('drop a completed payment modified again, another status, another entity, or an insert', () => {
    expect(completed(modify('completed', 'completed'))).toBe(false);
    expect(completed(modify('pending', 'failed'))).toBe(false);
    expect(completed(modify('pending', 'completed', 'payment_period'))).toBe(false);
    expect(completed({ ...modify('pending', 'completed'), eventName: 'INSERT' })).toBe(false);
  });

  it('drop a MODIFY without an old status: anything-but needs the field', () => {
    expect(completed(modify(undefined, 'completed'))).toBe(false);
  });

  it('pass only recorded PhonePe events to the confirmer', () => {
    const recorded = compilePattern(JSON.stringify(PHONEPE_EVENT_RECORDED_FILTER));
    expect(
      recorded({ eventName: 'INSERT', dynamodb: { NewImage: { entity: { S: 'phonepe_event' } } } }),
    ).toBe(true);
    expect(recorded({ eventName: 'INSERT', dynamodb: { NewImage: { entity: { S: 'payment' } } } })).toBe(
      false,
    );
    expect(
      recorded({ eventName: 'MODIFY', dynamodb: { NewImage: { entity: { S: 'phonepe_event' } } } }),
    ).toBe(false);
  });
});

describe('exact values', () => {
  it.each([
    [{ a: ['x'] }, { a: 'x' }, true],
    [{ a: ['x', 'y'] }, { a: 'y' }, true],
    [{ a: ['x'] }, { a: 'X' }, false],
    [{ a: ['x'] }, {}, false],
    [{ a: [5] }, { a: 5 }, true],
    [{ a: [5] }, { a: 5.0 }, true],
    [{ a: [5] }, { a: '5' }, false],
    [{ a: ['5'] }, { a: 5 }, false],
    [{ a: [true] }, { a: true }, true],
    [{ a: [true] }, { a: 'true' }, false],
    [{ a: [null] }, { a: null }, true],
    [{ a: [null] }, {}, false],
    [{ a: [''] }, { a: '' }, true],
    [{ a: [''] }, { a: null }, false],
  ])('%j on %j -> %s', (pattern, event, expected) => {
    expect(matches(pattern, event)).toBe(expected);
  });
});

describe('string operators', () => {
  it.each([
    [{ a: [{ prefix: 'ab' }] }, { a: 'abc' }, true],
    [{ a: [{ prefix: 'ab' }] }, { a: 'xab' }, false],
    [{ a: [{ prefix: 'ab' }] }, { a: 'ABc' }, false],
    [{ a: [{ prefix: 'ab' }] }, { a: 12 }, false],
    [{ a: [{ prefix: { 'equals-ignore-case': 'ab' } }] }, { a: 'ABc' }, true],
    [{ a: [{ suffix: '.png' }] }, { a: 'x.png' }, true],
    [{ a: [{ suffix: '.png' }] }, { a: 'x.PNG' }, false],
    [{ a: [{ suffix: { 'equals-ignore-case': '.png' } }] }, { a: 'x.PNG' }, true],
    [{ a: [{ 'equals-ignore-case': 'ABC' }] }, { a: 'abc' }, true],
    [{ a: [{ 'equals-ignore-case': 'ABC' }] }, { a: 'abcd' }, false],
  ])('%j on %j -> %s', (pattern, event, expected) => {
    expect(matches(pattern, event)).toBe(expected);
  });
});

describe('anything-but', () => {
  it.each([
    [{ a: [{ 'anything-but': 'x' }] }, { a: 'y' }, true],
    [{ a: [{ 'anything-but': 'x' }] }, { a: 'x' }, false],
    [{ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'y' }, false],
    [{ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'z' }, true],
    [{ a: [{ 'anything-but': [1, 2] }] }, { a: 2 }, false],
    [{ a: [{ 'anything-but': [1, 2] }] }, { a: 3 }, true],
    [{ a: [{ 'anything-but': [1, 2] }] }, { a: '2' }, true],
    [{ a: [{ 'anything-but': 'x' }] }, {}, false],
    [{ a: [{ 'anything-but': { prefix: 'x' } }] }, { a: 'yz' }, true],
    [{ a: [{ 'anything-but': { prefix: 'x' } }] }, { a: 'xy' }, false],
    [{ a: [{ 'anything-but': { suffix: 'z' } }] }, { a: 'xy' }, true],
    [{ a: [{ 'anything-but': { suffix: 'z' } }] }, { a: 'yz' }, false],
    [{ a: [{ 'anything-but': { 'equals-ignore-case': ['X', 'Y'] } }] }, { a: 'y' }, false],
    [{ a: [{ 'anything-but': { 'equals-ignore-case': 'X' } }] }, { a: 'z' }, true],
  ])('%j on %j -> %s', (pattern, event, expected) => {
    expect(matches(pattern, event)).toBe(expected);
  });
});

describe('numeric', () => {
  it.each([
    [{ a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 5 }, true],
    [{ a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 0 }, false],
    [{ a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 6 }, false],
    [{ a: [{ numeric: ['=', 3.5] }] }, { a: 3.5 }, true],
    [{ a: [{ numeric: ['>=', 10] }] }, { a: 10 }, true],
    [{ a: [{ numeric: ['<', 10] }] }, { a: 10 }, false],
    // DynamoDB's {"N": "5"} holds a string: numeric matchers do not see it as a number.
    [{ a: [{ numeric: ['=', 5] }] }, { a: '5' }, false],
    [{ a: [{ numeric: ['>', 0] }] }, {}, false],
  ])('%j on %j -> %s', (pattern, event, expected) => {
    expect(matches(pattern, event)).toBe(expected);
  });
});

describe('exists', () => {
  it.each([
    [{ a: [{ exists: true }] }, { a: 'x' }, true],
    [{ a: [{ exists: true }] }, { a: null }, true],
    [{ a: [{ exists: true }] }, {}, false],
    [{ a: [{ exists: false }] }, {}, true],
    [{ a: [{ exists: false }] }, { a: 'x' }, false],
    // Only leaves exist: an object at the key is not one.
    [{ a: [{ exists: true }] }, { a: { b: 1 } }, false],
    [{ a: [{ exists: false }] }, { a: { b: 1 } }, true],
    [{ a: [{ exists: true }] }, { a: [] }, false],
    // Below a missing parent, only "does not exist" can hold.
    [{ a: { b: [{ exists: false }] } }, {}, true],
    [{ a: { b: [{ exists: true }] } }, {}, false],
    [{ dynamodb: { OldImage: { status: [{ exists: false }] } } }, { dynamodb: { NewImage: {} } }, true],
  ])('%j on %j -> %s', (pattern, event, expected) => {
    expect(matches(pattern, event)).toBe(expected);
  });
});

describe('structure: nesting, arrays, AND, $or', () => {
  it.each([
    [{ a: { b: ['x'] } }, { a: { b: 'x' } }, true],
    [{ a: { b: ['x'] } }, { a: 'x' }, false],
    [{ a: { b: { c: [1] } } }, { a: { b: { c: 1, d: 2 } } }, true],
    // Every key of a pattern must match.
    [{ a: ['1'], b: ['2'] }, { a: '1', b: '2' }, true],
    [{ a: ['1'], b: ['2'] }, { a: '1', b: '3' }, false],
    // An array in the event matches when any element matches.
    [{ a: ['v'] }, { a: ['u', 'v'] }, true],
    [{ a: ['w'] }, { a: ['u', 'v'] }, false],
    [{ a: [{ prefix: 'v' }] }, { a: ['u', 'vw'] }, true],
    [{ a: { b: ['2'] } }, { a: [{ b: '1' }, { b: '2' }] }, true],
    // The fields of one nested pattern must come from the same array element.
    [
      { a: { b: ['1'], c: ['2'] } },
      {
        a: [
          { b: '1', c: '9' },
          { b: '9', c: '2' },
        ],
      },
      false,
    ],
    [{ $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' }, true],
    [{ $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '3' }, false],
    [{ c: ['0'], $or: [{ a: ['1'] }, { b: ['2'] }] }, { a: '1', c: '1' }, false],
    [{ x: { $or: [{ a: ['1'] }, { b: [{ exists: true }] }] } }, { x: { b: 0 } }, true],
  ])('%j on %j -> %s', (pattern, event, expected) => {
    expect(matches(pattern, event)).toBe(expected);
  });

  it('treats an event that is not an object as matching nothing but "does not exist"', () => {
    expect(matches({ a: ['x'] }, null)).toBe(false);
    expect(matches({ a: ['x'] }, 'a')).toBe(false);
    expect(matches({ a: [{ exists: false }] }, undefined)).toBe(true);
  });
});

describe('patterns the local stack cannot honour fail at compile time', () => {
  it.each([
    ['wildcard', { a: [{ wildcard: '*x' }] }, /unsupported filter operator "wildcard"/],
    ['cidr', { a: [{ cidr: '10.0.0.0/24' }] }, /unsupported filter operator "cidr"/],
    ['two operators in one matcher', { a: [{ prefix: 'a', suffix: 'b' }] }, /exactly one operator/],
    ['a bare value', { a: 'x' }, /must be a list of matchers/],
    ['an empty matcher list', { a: [] }, /empty list/],
    ['an empty pattern', {}, /empty pattern/],
    ['a nested array', { a: [['x']] }, /nested arrays/],
    ['numeric with an unknown operator', { a: [{ numeric: ['!=', 1] }] }, /unknown numeric operator/],
    ['numeric with a string bound', { a: [{ numeric: ['>', '1'] }] }, /must be numbers/],
    ['numeric of odd length', { a: [{ numeric: ['>', 1, '<'] }] }, /numeric needs/],
    ['exists with a string', { a: [{ exists: 'yes' }] }, /exists needs true or false/],
    ['prefix with a number', { a: [{ prefix: 1 }] }, /prefix needs a string/],
    [
      'anything-but with an object list',
      { a: [{ 'anything-but': [{ prefix: 'x' }] }] },
      /anything-but values/,
    ],
    ['anything-but with numeric', { a: [{ 'anything-but': { numeric: ['>', 1] } }] }, /anything-but takes/],
    ['$or with one branch', { $or: [{ a: ['1'] }] }, /at least two/],
  ])('%s', (_name, pattern, message) => {
    expect(() => compilePattern(pattern as Record<string, unknown>)).toThrow(FilterPatternError);
    expect(() => compilePattern(pattern as Record<string, unknown>)).toThrow(message);
  });

  it('rejects text that is not a JSON object', () => {
    expect(() => compilePattern('not json')).toThrow(FilterPatternError);
    expect(() => compilePattern('["a"]')).toThrow(/must be a JSON object/);
  });
});

describe('filter criteria', () => {
  it('deliver a record that matches any of several filters', () => {
    const any = compileFilterCriteria({ Filters: [{ Pattern: '{"a":["1"]}' }, { Pattern: '{"a":["2"]}' }] });
    expect(any({ a: '2' })).toBe(true);
    expect(any({ a: '3' })).toBe(false);
  });

  it('deliver everything when there are no filters', () => {
    expect(compileFilterCriteria(undefined)({})).toBe(true);
    expect(compileFilterCriteria({ Filters: [] })({ a: 1 })).toBe(true);
  });

  it('name the filter that does not compile', () => {
    const bad = { Filters: [{ Pattern: '{"a":["1"]}' }, { Pattern: '{"a":[{"wildcard":"*"}]}' }] };
    expect(() => compileFilterCriteria(bad)).toThrow(/^Filters\[1\]: a\[0\]: unsupported filter operator/);
  });
});
