/**
 * One firing alert per stream: the first alert of a stream fires until its `endsAt`; later ones of
 * the same stream before then are suppressed (counted, not delivered). Memory is bounded: past
 * `maxStreams` the stream whose alert resolves soonest is forgotten early (it may alert once more).
 *
 * The state is in memory, so after a restart a stream may fire once more; that alert is new (its
 * own idempotency key), and a redelivered one keeps its key, so receivers still see no duplicate.
 */
export class FloodControl {
  /** stream → when its firing alert resolves (ms). Map order = insertion order, refreshed on fire. */
  private readonly firingUntil = new Map<string, number>();

  constructor(
    private readonly enabled: boolean,
    private readonly maxStreams: number,
  ) {}

  /** True when `stream` has no firing alert at `now`; it then fires until `endsAt`. */
  admit(stream: string, now: number, endsAt: number): boolean {
    if (!this.enabled) return true;
    const until = this.firingUntil.get(stream);
    if (until !== undefined && until > now) return false;
    this.firingUntil.delete(stream);
    this.firingUntil.set(stream, endsAt);
    this.prune(now);
    return true;
  }

  /** Streams with a firing alert at `now`. */
  firing(now: number): number {
    this.prune(now);
    return this.firingUntil.size;
  }

  private prune(now: number): void {
    // Entries are in firing order and share one quiet period, so they resolve in that order too:
    // stop at the first one still firing.
    for (const [stream, until] of this.firingUntil) {
      if (until > now) break;
      this.firingUntil.delete(stream);
    }
    while (this.firingUntil.size > this.maxStreams) {
      const oldest = this.firingUntil.keys().next().value as string;
      this.firingUntil.delete(oldest);
    }
  }
}
