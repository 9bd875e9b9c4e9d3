import { describe, expect, it } from 'vitest';
import {
  exportQuerySchema,
  initiatedWindow,
  listQuerySchema,
  summaryQuerySchema,
} from '../../shared/payouts/list-payouts';

describe('the initiated_at window of payout queries', () => {
  it.each([
    ['the owner list', listQuerySchema],
    ['the CSV export', exportQuerySchema],
    ['the admin summary', summaryQuerySchema],
  ])('%s refuses a window whose start is after its end, naming the fields', (_name, schema) => {
    const parsed = schema.safeParse({ initiated_at__gte: '2026-11-01', initiated_at__lte: '2026-10-01' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ['initiated_at__gte'],
        message: 'initiated_at__gte must not be later than initiated_at__lte.',
      }),
    ]);
  });

  it.each([
    ['the same day', '2026-10-05', '2026-10-05'],
    ['a time inside the last day', '2026-10-05T18:30:00Z', '2026-10-05'],
    ['the same instant', '2026-10-05T18:30:00Z', '2026-10-05T18:30:00.000Z'],
    ['only a start', '2026-10-05', undefined],
    ['only an end', undefined, '2026-10-05'],
  ])('accepts %s', (_name, gte, lte) => {
    const q = { initiated_at__gte: gte, initiated_at__lte: lte };
    expect(summaryQuerySchema.safeParse(q).success).toBe(true);
    const { lo, hi } = initiatedWindow(q);
    expect(lo <= hi).toBe(true);
  });

  it.each([
    ['a later time on the same day', '2026-10-05T18:30:00Z', '2026-10-05T18:29:59Z'],
    ['the next day against a time', '2026-10-06', '2026-10-05T23:59:59.999Z'],
  ])('refuses %s', (_name, gte, lte) => {
    expect(listQuerySchema.safeParse({ initiated_at__gte: gte, initiated_at__lte: lte }).success).toBe(false);
  });

  it('reports a bad date as a bad date, without comparing it', () => {
    const parsed = listQuerySchema.safeParse({
      initiated_at__gte: 'yesterday',
      initiated_at__lte: '2026-10-01',
    });
    expect(parsed.error?.issues.map((i) => i.path)).toEqual([['initiated_at__gte']]);
    expect(parsed.error?.issues[0]?.message).not.toContain('later than');
  });

  it('keeps the export free of paging parameters', () => {
    expect(exportQuerySchema.safeParse({ cursor: 'x' }).success).toBe(false);
    expect(exportQuerySchema.safeParse({ page_size: '10' }).success).toBe(false);
  });
});
