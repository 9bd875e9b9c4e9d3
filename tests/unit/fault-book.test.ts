import { describe, expect, it } from 'vitest';
import { FaultBook } from '../../infra/local/sandboxes/faults';

interface Faults {
  errors?: number;
  copies?: number;
  delayMs?: number;
}

describe('sandbox FaultBook', () => {
  it("spends a scope's own faults first, then the global ones; other scopes only meet the global ones", () => {
    const book = new FaultBook<Faults>(() => ({}));
    book.set(undefined, { errors: 1 });
    book.set('A', { errors: 2 });
    expect(book.take('errors', 'B')).toBe(true); // the global one
    expect(book.take('errors', 'B')).toBe(false);
    expect(book.take('errors', 'A')).toBe(true);
    expect(book.take('errors', 'A')).toBe(true);
    expect(book.take('errors', 'A')).toBe(false);
    expect(book.view('A')).toEqual({ errors: 0 });
    expect(book.view()).toEqual({ errors: 0 });
  });

  it('takes a count all at once, and reads a setting from the scope before the global one', () => {
    const book = new FaultBook<Faults>(() => ({ delayMs: 0 }));
    book.set(undefined, { copies: 3, delayMs: 100 });
    book.set('A', { copies: 2, delayMs: 5 });
    expect(book.takeAll('copies', 'A')).toBe(2);
    expect(book.takeAll('copies', 'A')).toBe(3);
    expect(book.takeAll('copies', 'A')).toBe(0);
    expect(book.value('delayMs', 'A')).toBe(5);
    expect(book.value('delayMs', 'B')).toBe(100);
    expect(book.value('delayMs')).toBe(100);
  });

  it('merges what is set and forgets everything on reset', () => {
    const book = new FaultBook<Faults>(() => ({ delayMs: 0 }));
    expect(book.set('A', { errors: 1 })).toEqual({ errors: 1 });
    expect(book.set('A', { copies: 1 })).toEqual({ errors: 1, copies: 1 });
    expect(book.set(undefined, { errors: 4 })).toEqual({ delayMs: 0, errors: 4 });
    book.reset();
    expect(book.view('A')).toEqual({});
    expect(book.view()).toEqual({ delayMs: 0 });
  });
});
