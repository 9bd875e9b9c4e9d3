/**
 * Every key of every item, built in one place by pure functions (tested without I/O).
 *
 * Access patterns
 *  directory table (pk, sk)
 *   - owner / property / unit / tenant by id ........ pk = <TYPE>#<id>, sk = <TYPE>
 *  payments table (pk, sk; stream NEW_AND_OLD_IMAGES)
 *   - payment by id ................................. pk = PAYMENT#<id>, sk = PAYMENT
 *   - the payment of a unit for a rent period ....... pk = UNIT#<unitId>#PERIOD#<YYYY-MM>, sk = PAYMENT_PERIOD
 *   - pending payments, oldest first (reconciler) ... GSI byStatus: gsi1pk = PAYMENT_STATUS#<status>, gsi1sk = createdAt
 *   - completed payments with no payout yet ......... GSI byStatus: gsi1pk = PAYMENT_STATUS#awaiting_payout, gsi1sk = completedAt
 *   - payments waiting on an operator, oldest first . GSI byStatus: gsi1pk = PAYMENT_FLAG#<flag>, gsi1sk = createdAt
 *     (a payment is in at most one of these byStatus partitions: pending, awaiting_payout or one flag)
 *   - a recorded PhonePe webhook event .............. pk = PHONEPE_EVENT#<merchantOrderId>#<kind>#<state>, sk = EVENT
 *   - recorded events not yet processed, oldest first GSI byStatus: gsi1pk = PHONEPE_EVENT#unprocessed, gsi1sk = receivedAt
 *   - where a reconciler pass stopped ............... pk = RECONCILER#<pass>, sk = POSITION
 *  payouts table (pk, sk)
 *   - payout by id .................................. pk = PAYOUT#<id>, sk = PAYOUT
 *   - the payout of a payment (one, enforced) ....... pk = PAYMENT#<paymentId>, sk = PAYOUT
 *   - the payout of a unit's rent period (one) ...... pk = UNIT#<unitId>#PERIOD#<YYYY-MM>, sk = PAYOUT
 *   - an owner's payouts, newest first .............. GSI byOwner: gsi1pk = OWNER#<ownerId>, gsi1sk = initiatedAt#id
 *   - payouts in a status, newest first ............. GSI byStatus: gsi2pk = PAYOUT_STATUS#<status>, gsi2sk = initiatedAt#id
 *   - an owner's payouts in a status ................ GSI byOwnerStatus: gsi3pk = OWNER#<ownerId>#STATUS#<status>, gsi3sk = same
 *   - all payouts, newest first (admins) ............ GSI byMonth: gsi4pk = PAYOUT_MONTH#<YYYY-MM>, gsi4sk = same, months walked backwards
 *   - payouts flagged for an operator (sparse) ....... GSI byAttention: gsi6pk = PAYOUT_ATTENTION, gsi6sk = same
 *   - a date range on initiated_at .................. key condition on any of the sort keys above (BETWEEN)
 *   - payouts due a look by the payout reconciler ... GSI byWatch (KEYS_ONLY, sparse): gsi5pk = PAYOUT_WATCH#<shard>,
 *     gsi5sk = <watch mark>#id, oldest first; only payouts with something left to watch (shared/domain/payout-watch.ts)
 *  directory table
 *   - owners by name prefix, case-insensitive ....... GSI byName: gsi1pk = OWNER_NAME, gsi1sk = lower(name)#id
 */
/** Partition keys of the watch index. Changing it needs every watched payout re-marked. */
export const WATCH_SHARDS = 4;

function watchShardOf(id: string): number {
  let sum = 0;
  for (const c of id) sum += c.charCodeAt(0);
  return sum % WATCH_SHARDS;
}

export const keys = {
  owner: (id: string) => ({ pk: `OWNER#${id}`, sk: 'OWNER' }),
  property: (id: string) => ({ pk: `PROPERTY#${id}`, sk: 'PROPERTY' }),
  unit: (id: string) => ({ pk: `UNIT#${id}`, sk: 'UNIT' }),
  tenant: (id: string) => ({ pk: `TENANT#${id}`, sk: 'TENANT' }),
  payment: (id: string) => ({ pk: `PAYMENT#${id}`, sk: 'PAYMENT' }),
  paymentPeriod: (unitId: string, period: string) => ({
    pk: `UNIT#${unitId}#PERIOD#${period}`,
    sk: 'PAYMENT_PERIOD',
  }),
  paymentStatusIndex: (status: string, createdAt: string) => ({
    gsi1pk: `PAYMENT_STATUS#${status}`,
    gsi1sk: createdAt,
  }),
  paymentFlagIndex: (flag: string, createdAt: string) => ({
    gsi1pk: `PAYMENT_FLAG#${flag}`,
    gsi1sk: createdAt,
  }),
  unprocessedPhonePeEvent: (receivedAt: string) => ({
    gsi1pk: 'PHONEPE_EVENT#unprocessed',
    gsi1sk: receivedAt,
  }),
  reconcilerPosition: (pass: string) => ({ pk: `RECONCILER#${pass}`, sk: 'POSITION' }),
  payout: (id: string) => ({ pk: `PAYOUT#${id}`, sk: 'PAYOUT' }),
  payoutOfPayment: (paymentId: string) => ({ pk: `PAYMENT#${paymentId}`, sk: 'PAYOUT' }),
  payoutOfPeriod: (unitId: string, period: string) => ({
    pk: `UNIT#${unitId}#PERIOD#${period}`,
    sk: 'PAYOUT',
  }),
  payoutIndexes: (p: {
    id: string;
    ownerId: string;
    status: string;
    initiatedAt: string;
    needsAttention?: boolean;
  }) => ({
    // Sparse: only flagged payouts are in the index, so the operators' queue is one small query.
    ...(p.needsAttention ? { gsi6pk: 'PAYOUT_ATTENTION', gsi6sk: `${p.initiatedAt}#${p.id}` } : {}),
    gsi1pk: `OWNER#${p.ownerId}`,
    gsi1sk: `${p.initiatedAt}#${p.id}`,
    gsi2pk: `PAYOUT_STATUS#${p.status}`,
    gsi2sk: `${p.initiatedAt}#${p.id}`,
    gsi3pk: `OWNER#${p.ownerId}#STATUS#${p.status}`,
    gsi3sk: `${p.initiatedAt}#${p.id}`,
    gsi4pk: `PAYOUT_MONTH#${p.initiatedAt.slice(0, 7)}`,
    gsi4sk: `${p.initiatedAt}#${p.id}`,
  }),
  /**
   * The watch index: spread over WATCH_SHARDS partition keys by payout id, so that the writes of a rent-day peak
   * do not all land on one index partition.
   */
  payoutWatch: (id: string, mark: string) => ({
    gsi5pk: `PAYOUT_WATCH#${watchShardOf(id)}`,
    gsi5sk: `${mark}#${id}`,
  }),
  payoutWatchShard: (shard: number) => `PAYOUT_WATCH#${shard}`,
  /** The position of a payout in every list: all payout indexes sort by this one key. */
  payoutSortKey: (p: { id: string; initiatedAt: string }) => `${p.initiatedAt}#${p.id}`,
  ownerNameIndex: (o: { id: string; name: string }) => ({
    gsi1pk: 'OWNER_NAME',
    gsi1sk: `${o.name.trim().toLowerCase()}#${o.id}`,
  }),
} as const;
