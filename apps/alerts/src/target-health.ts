/**
 * Whether each target is taking alerts. A target is down once an alert to it exhausted its
 * retries; while down, each alert gets one attempt instead of the full retry budget, so a dead
 * target costs every later alert one timeout at most instead of the whole backoff (its alerts go
 * to alerts.dlq, nothing is lost). The first accepted alert brings it back up.
 */
export class TargetHealth {
  private readonly down = new Set<string>();

  constructor(
    names: readonly string[],
    private readonly onChange: (target: string, up: boolean) => void,
  ) {
    for (const n of names) onChange(n, true);
  }

  isDown(target: string): boolean {
    return this.down.has(target);
  }

  markUp(target: string): void {
    if (this.down.delete(target)) this.onChange(target, true);
  }

  markDown(target: string): void {
    if (this.down.has(target)) return;
    this.down.add(target);
    this.onChange(target, false);
  }

  /** Names of the targets now down. */
  get downTargets(): readonly string[] {
    return [...this.down];
  }
}
