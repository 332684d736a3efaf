/** The last known reachability of the cluster. */
export type BrokerStatus =
  | { readonly reachable: true; readonly brokers: number; readonly checkedAt: number }
  | { readonly reachable: false; readonly error: string; readonly checkedAt: number | undefined };

export interface BrokerWatchOptions {
  /** Time between the end of one check and the start of the next, in ms. Default 5,000. */
  readonly intervalMs?: number;
  /** A check that has not answered after this many ms counts as unreachable. Default 2,000. */
  readonly timeoutMs?: number;
}

/**
 * Checks broker reachability in the background and holds the last answer, so a health probe reads
 * it at once instead of making a Kafka round trip: a frozen broker (SIGSTOP, GC pause, cut network)
 * must not make the probe itself hang (kubelet gives up after `timeoutSeconds` and counts a
 * failure either way, and a hung probe holds an HTTP connection per attempt).
 *
 * One check at a time: a check still waiting for a frozen broker is not joined by another.
 */
export class BrokerWatch {
  private statusValue: BrokerStatus = { reachable: false, error: 'not checked yet', checkedAt: undefined };
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;

  constructor(
    /** Resolves with the number of live brokers; rejects when the cluster cannot be reached. */
    private readonly ping: (timeoutMs: number) => Promise<number>,
    options: BrokerWatchOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = options.intervalMs ?? 5000;
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  get status(): BrokerStatus {
    return this.statusValue;
  }

  /** Checks now, then every interval until stop(). Calling it again does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.check();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  private async check(): Promise<void> {
    let settled = false;
    // The ping is expected to honour its timeout; this one holds even if it does not.
    const overdue = setTimeout(() => {
      if (!settled) this.statusValue = { reachable: false, error: `no answer from Kafka within ${this.timeoutMs} ms`, checkedAt: this.now() };
    }, this.timeoutMs);
    overdue.unref();
    try {
      const brokers = await this.ping(this.timeoutMs);
      this.statusValue = { reachable: true, brokers, checkedAt: this.now() };
    } catch (e) {
      this.statusValue = { reachable: false, error: e instanceof Error ? e.message : String(e), checkedAt: this.now() };
    } finally {
      settled = true;
      clearTimeout(overdue);
    }
    if (!this.running) return;
    this.timer = setTimeout(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }
}
