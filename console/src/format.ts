/** How the console shows money and time: rupees with two decimals, times in India time with UTC on hover. */
const IST = 'Asia/Kolkata';
const istFormat = new Intl.DateTimeFormat('en-IN', {
  timeZone: IST,
  day: '2-digit',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const rupeeFormat = new Intl.NumberFormat('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function istText(iso: string): string {
  return `${istFormat.format(new Date(iso))} IST`;
}

/** "15000.00" (the API's rupees) as "₹15,000.00"; the amount itself is never recomputed in floating point. */
export function rupees(amount: string): string {
  const m = /^(\d+)\.(\d{2})$/.exec(amount);
  if (!m) return amount;
  const whole = rupeeFormat.format(Number(m[1])).replace(/\.00$/, '');
  return `₹${whole}.${m[2]}`;
}

/** The start of an India-time day, as the API's UTC timestamp. */
export function istDayStart(date: string): string {
  return new Date(`${date}T00:00:00.000+05:30`).toISOString();
}

/** The last millisecond of an India-time day, as the API's UTC timestamp. */
export function istDayEnd(date: string): string {
  return new Date(`${date}T23:59:59.999+05:30`).toISOString();
}

export const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Ids are ULIDs: a search that is one is a payment id, anything else an owner's name. */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;

export const PAYOUT_STATUSES = [
  'pending',
  'processing',
  'retry_scheduled',
  'completed',
  'failed',
  'reversed',
] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const STATUS_LABELS: Record<PayoutStatus, string> = {
  pending: 'Pending',
  processing: 'Processing',
  retry_scheduled: 'Retry scheduled',
  completed: 'Completed',
  failed: 'Failed',
  reversed: 'Reversed',
};

export function isFinal(status: string): boolean {
  return status === 'completed' || status === 'failed' || status === 'reversed';
}
