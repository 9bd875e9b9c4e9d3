import { describe, expect, it } from 'vitest';
import {
  formatRupees,
  fromRupeeNumber,
  InvalidAmountError,
  paise,
  parseRupees,
  toRupeeNumber,
} from '../../shared/domain/money';

describe('money in paise', () => {
  it('renders paise as the two-decimal string the owner app expects', () => {
    expect(formatRupees(paise(1_500_000))).toBe('15000.00');
    expect(formatRupees(paise(5))).toBe('0.05');
    expect(formatRupees(paise(150_050))).toBe('1500.50');
  });

  it('parses rupee strings without floating-point drift', () => {
    expect(parseRupees('15000.00')).toBe(1_500_000);
    expect(parseRupees('0.1')).toBe(10);
    expect(parseRupees('19.99')).toBe(1999);
    expect(parseRupees('7')).toBe(700);
  });

  it.each(['', '-5', '1.234', '1e3', 'abc', '1,000'])('rejects "%s"', (text) => {
    expect(() => parseRupees(text)).toThrow(InvalidAmountError);
  });

  it('gives Cashfree a rupee number with at most two decimals, and reads it back exactly', () => {
    expect(toRupeeNumber(paise(1_500_000))).toBe(15000);
    expect(toRupeeNumber(paise(1999))).toBe(19.99);
    expect(fromRupeeNumber(19.99)).toBe(1999);
    expect(fromRupeeNumber(0.29)).toBe(29);
  });

  it('refuses fractional or negative paise', () => {
    expect(() => paise(1.5)).toThrow(InvalidAmountError);
    expect(() => paise(-1)).toThrow(InvalidAmountError);
  });
});
