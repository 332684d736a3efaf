import type { Gauge } from 'prom-client';

/**
 * The consumer-lag gauge of the partitions this worker owns. A partition that moves to another
 * worker is its new owner's to report: left here at its last value, the series of both owners
 * would add up in every sum over partitions (the dashboards' lag, the lag alert) for as long as
 * this process lives. So the series of a partition no longer assigned is removed.
 */
export class PartitionLag {
  private readonly reported = new Set<number>();

  constructor(private readonly gauge: Gauge<'partition'>) {}

  /** The lag after a fetch: the records between its last offset and the high watermark. */
  report(partition: number, lastOffset: string, highWatermark: string): void {
    this.reported.add(partition);
    this.gauge.set({ partition: String(partition) }, Math.max(0, Number(BigInt(highWatermark) - BigInt(lastOffset) - 1n)));
  }

  /** After a rebalance: drops the series of every partition outside `assigned`. */
  keepOnly(assigned: ReadonlySet<number>): void {
    for (const p of this.reported) {
      if (assigned.has(p)) continue;
      this.gauge.remove({ partition: String(p) });
      this.reported.delete(p);
    }
  }
}
