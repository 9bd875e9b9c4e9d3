import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { OwnerPayout } from '../domain/entities';
import { PAYOUT_STATUSES } from '../domain/payout-status';
import { BadRequestError, ForbiddenError } from '../errors';
import type { Principal } from '../http/principal';
import { isAdmin } from '../http/principal';
import type { DirectoryRepository } from '../repositories/directory-repository';
import type { DocumentClient } from '../repositories/dynamodb';
import { keys } from '../repositories/keys';
import { payoutFromItem } from '../repositories/payout-repository';
import type { PayoutRepository } from '../repositories/payout-repository';

/**
 * Payout lists for the owner app and admins, newest first, with an opaque cursor. Every payout index sorts by
 * the same key (`initiatedAt#id`), so a cursor is just a position in that order: it works across the several
 * partitions a query may read (an owner's, a status's, months, the owners matching a name), and a tampered
 * cursor can only move within what the caller may see. No query scans the table.
 */
const isoDate = z.union([z.iso.date(), z.iso.datetime()]);
const HIGH = '\uffff';

export interface InitiatedWindow {
  initiated_at__gte?: string | undefined;
  initiated_at__lte?: string | undefined;
}

/**
 * The `initiated_at` filters as bounds on the payouts' sort keys (`initiatedAt#id`), for a key condition
 * `BETWEEN lo AND hi`. A date without a time means the whole day. Only for values the query schema accepted.
 */
export function initiatedWindow(q: InitiatedWindow): { lo: string; hi: string } {
  // DynamoDB refuses an empty string in a key condition: '0' sorts before every ISO timestamp.
  const lo = q.initiated_at__gte ? new Date(q.initiated_at__gte).toISOString() : '0';
  const hi = q.initiated_at__lte
    ? q.initiated_at__lte.length === 10
      ? `${q.initiated_at__lte}T23:59:59.999Z${HIGH}`
      : `${new Date(q.initiated_at__lte).toISOString()}${HIGH}`
    : HIGH;
  return { lo, hi };
}

/**
 * The one check of the date window, shared by the list, the CSV export and the summary: DynamoDB refuses a
 * BETWEEN whose lower bound is above its upper one, so an inverted window is the caller's 400, not our 500.
 */
function withOrderedWindow<T extends z.ZodType<InitiatedWindow>>(schema: T) {
  return schema.refine(
    (q) => {
      const { lo, hi } = initiatedWindow(q);
      return lo <= hi;
    },
    {
      message: 'initiated_at__gte must not be later than initiated_at__lte.',
      path: ['initiated_at__gte'],
      // Only once both dates parsed: the check compares what the schema accepted.
      when: (payload) => payload.issues.length === 0,
    },
  );
}

const listQueryFields = z.strictObject({
  status: z.enum(PAYOUT_STATUSES).optional(),
  initiated_at__gte: isoDate.optional(),
  initiated_at__lte: isoDate.optional(),
  owner_id: z.string().min(1).max(64).optional(),
  payment_id: z.string().min(1).max(64).optional(),
  search: z.string().trim().min(1).max(100).optional(),
  needs_attention: z.literal('true').optional().describe('Only payouts flagged for an operator.'),
  page_size: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().max(400).optional(),
});
export const listQuerySchema = withOrderedWindow(listQueryFields);
export type ListQuery = z.infer<typeof listQuerySchema>;
/** The CSV export: the list's filters, without paging. */
export const exportQuerySchema = withOrderedWindow(listQueryFields.omit({ cursor: true, page_size: true }));
export const summaryQuerySchema = withOrderedWindow(
  listQueryFields.pick({ initiated_at__gte: true, initiated_at__lte: true }),
);

const SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z#[0-9A-HJKMNP-TV-Z]{26}$/;
const cursorSchema = z.object({ d: z.enum(['next', 'prev']), k: z.string().regex(SORT_KEY) });
type Cursor = z.infer<typeof cursorSchema>;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new BadRequestError('Invalid cursor.');
  }
}

/** The earliest month the admin-wide list walks back to (before the system existed). */
export const FIRST_MONTH = '2024-01';

interface Partition {
  index: string;
  pk: string;
  pkValue: string;
  sk: string;
}

export interface ListDeps {
  client: DocumentClient;
  tableName: string;
  payouts: PayoutRepository;
  directory: Pick<DirectoryRepository, 'findOwnerIdsByName'>;
  now: () => Date;
}

export interface PayoutPage {
  results: OwnerPayout[];
  next: string | null;
  previous: string | null;
}

function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}
function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

async function queryPartition(
  deps: ListDeps,
  p: Partition,
  lo: string,
  hi: string,
  forward: boolean,
  limit: number,
): Promise<OwnerPayout[]> {
  const items: OwnerPayout[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await deps.client.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: p.index,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
        ExpressionAttributeNames: { '#pk': p.pk, '#sk': p.sk },
        ExpressionAttributeValues: { ':pk': p.pkValue, ':lo': lo, ':hi': hi },
        ScanIndexForward: forward,
        Limit: limit - items.length,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) {
      const payout = payoutFromItem(item);
      if (payout) items.push(payout);
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey && items.length < limit);
  return items;
}

/**
 * Primary course: resolve who may see what (owners: their own; admins: anyone, with owner, payment and name
 * filters), pick the index that answers the filters, read one page around the cursor.
 */
export async function listPayouts(
  deps: ListDeps,
  principal: Principal,
  query: ListQuery,
): Promise<PayoutPage> {
  const admin = isAdmin(principal);
  if (!admin && !principal.ownerId) throw new ForbiddenError('Only owners and admins can list payouts.');
  if (!admin && (query.owner_id || query.payment_id || query.search)) {
    throw new BadRequestError('owner_id, payment_id and search are admin filters.');
  }
  if (
    query.needs_attention &&
    (!admin || query.status || query.owner_id || query.payment_id || query.search)
  ) {
    // The flagged payouts' index holds every owner's: other filters would leave pages short.
    throw new BadRequestError('needs_attention is an admin filter and combines only with the date range.');
  }
  const pageSize = query.page_size ?? 25;
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  const { lo, hi } = initiatedWindow(query);
  const matches = (p: OwnerPayout) => {
    const k = keys.payoutSortKey(p);
    return (
      k !== cursor?.k &&
      (!query.status || p.status === query.status) &&
      k >= lo &&
      k <= hi &&
      (admin || p.ownerId === principal.ownerId) &&
      (!query.owner_id || p.ownerId === query.owner_id) &&
      (!query.needs_attention || p.needsAttention)
    );
  };

  if (query.payment_id) {
    const payout = await deps.payouts.getByPaymentId(query.payment_id);
    return { results: payout && matches(payout) && !cursor ? [payout] : [], next: null, previous: null };
  }

  const forward = cursor?.d === 'prev';
  // The window of sort keys this page may come from, excluding the cursor's own key.
  const windowLo = forward && cursor ? `${cursor.k}\u0000` : lo;
  const windowHi = !forward && cursor ? cursor.k : hi;
  const effLo = windowLo > lo ? windowLo : lo;
  const effHi = windowHi < hi ? windowHi : hi;
  // A cursor outside the filters' window (a stale one after the filters changed, or a tampered one) points
  // past the window's edge: there is nothing on that side of it, so the page is empty, as DRF's would be.
  if (effLo > effHi) return { results: [], next: null, previous: null };
  // BETWEEN is inclusive, so the cursor's own payout comes back too and is dropped below: read one more.
  const want = pageSize + 1 + (cursor ? 1 : 0);

  const ownerScope = admin ? query.owner_id : (principal.ownerId ?? undefined);
  let partitions: Partition[] | null = null;
  const ownerPartition = (ownerId: string): Partition =>
    query.status
      ? {
          index: 'byOwnerStatus',
          pk: 'gsi3pk',
          pkValue: `OWNER#${ownerId}#STATUS#${query.status}`,
          sk: 'gsi3sk',
        }
      : { index: 'byOwner', pk: 'gsi1pk', pkValue: `OWNER#${ownerId}`, sk: 'gsi1sk' };
  if (query.needs_attention)
    partitions = [{ index: 'byAttention', pk: 'gsi6pk', pkValue: 'PAYOUT_ATTENTION', sk: 'gsi6sk' }];
  else if (ownerScope) partitions = [ownerPartition(ownerScope)];
  else if (query.search)
    partitions = (await deps.directory.findOwnerIdsByName(query.search, 25)).map(ownerPartition);
  else if (query.status)
    partitions = [
      { index: 'byStatus', pk: 'gsi2pk', pkValue: `PAYOUT_STATUS#${query.status}`, sk: 'gsi2sk' },
    ];

  let found: OwnerPayout[] = [];
  if (partitions) {
    for (const p of partitions) found.push(...(await queryPartition(deps, p, effLo, effHi, forward, want)));
  } else {
    // All payouts: walk the month partitions from the window's edge until the page is full.
    const nowMonth = deps.now().toISOString().slice(0, 7);
    const floorMonth = lo !== '0' ? lo.slice(0, 7) : FIRST_MONTH;
    const ceilMonth = effHi === HIGH ? nowMonth : effHi.slice(0, 7) < nowMonth ? effHi.slice(0, 7) : nowMonth;
    let month = forward ? (effLo !== '0' ? effLo.slice(0, 7) : floorMonth) : ceilMonth;
    while (found.length < want && (forward ? month <= ceilMonth : month >= floorMonth)) {
      found.push(
        ...(await queryPartition(
          deps,
          { index: 'byMonth', pk: 'gsi4pk', pkValue: `PAYOUT_MONTH#${month}`, sk: 'gsi4sk' },
          effLo,
          effHi,
          forward,
          want - found.length,
        )),
      );
      month = forward ? nextMonth(month) : previousMonth(month);
    }
  }

  found = found.filter(matches);
  found.sort((a, b) => (keys.payoutSortKey(a) < keys.payoutSortKey(b) ? 1 : -1));
  // Several partitions each gave up to `want`: keep the `pageSize + 1` nearest the cursor.
  found = forward ? found.slice(Math.max(0, found.length - (pageSize + 1))) : found.slice(0, pageSize + 1);
  const hasMore = found.length > pageSize;
  const page = forward
    ? found.slice(found.length - Math.min(found.length, pageSize))
    : found.slice(0, pageSize);
  const first = page[0];
  const last = page.at(-1);
  const olderExists = forward ? Boolean(cursor) : hasMore;
  const newerExists = forward ? hasMore : Boolean(cursor);
  return {
    results: page,
    next: olderExists && last ? encodeCursor({ d: 'next', k: keys.payoutSortKey(last) }) : null,
    previous: newerExists && first ? encodeCursor({ d: 'prev', k: keys.payoutSortKey(first) }) : null,
  };
}
