/**
 * A clock the test moves by hand. Use cases take `now: () => Date`; pass `clock.now`. Nothing advances on its
 * own, so a test (or the simulation) decides exactly when time passes.
 */
export class ManualClock {
  private ms: number;

  public constructor(start: Date | string | number = '2031-04-01T10:00:00.000Z') {
    this.ms = new Date(start).getTime();
    if (!Number.isFinite(this.ms)) throw new RangeError(`Invalid start time: ${String(start)}`);
  }

  public readonly now = (): Date => new Date(this.ms);

  public iso(): string {
    return this.now().toISOString();
  }

  public advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`A clock only moves forward, not by ${ms} ms`);
    this.ms += ms;
    return this.now();
  }

  public advanceSeconds(seconds: number): Date {
    return this.advance(seconds * 1000);
  }
}
