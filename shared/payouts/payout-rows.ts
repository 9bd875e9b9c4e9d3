import type { OwnerPayout } from '../domain/entities';
import type { DynamoDirectoryRepository } from '../repositories/directory-repository';
import { presentPayout } from './present';

/** List and CSV rows: each payout with its unit's current number, read in one batch per page. */
export async function presentPayoutRows(
  directory: Pick<DynamoDirectoryRepository, 'unitNumbers'>,
  payouts: readonly OwnerPayout[],
) {
  const units = await directory.unitNumbers(payouts.map((p) => p.unitId));
  return payouts.map((p) => ({ ...presentPayout(p), unit_number: units.get(p.unitId) ?? null }));
}
