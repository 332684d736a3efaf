/**
 * Starts training rounds off the consumer's path: `poke()` (after each batch of events, and from a
 * 1 s timer) starts a round when one is due and none runs, and never awaits it, so fetching and
 * heartbeats continue while a round runs. `stop()` waits for the running round (it checkpoints).
 */
export class RoundScheduler {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;

  constructor(
    /** Whether a round may start now (not stopping, not failed, one due). */
    private readonly due: () => boolean,
    /** Runs one round; never rejects (errors are reported inside). */
    private readonly round: () => Promise<void>,
    /** Every second, before the due check (gauges). */
    private readonly onTick: () => void = () => undefined,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.onTick();
      this.poke();
    }, 1000);
    this.timer.unref();
  }

  poke(): void {
    if (this.stopped || this.current !== undefined || !this.due()) return;
    this.current = this.round().finally(() => {
      this.current = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.current;
  }
}
