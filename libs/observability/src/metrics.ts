import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per app instance (not prom-client's global one), so tests can run
 * several apps in one process without metric-name clashes. Names follow
 * `streamcell_<service>_<what>_<unit>`.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'streamcell_' });
  }

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * Creates the series of every known label combination at zero, so dashboards and `rate()` see a
 * labelled counter from the start instead of "no data" until its first increment.
 */
export function initLabels<L extends string>(counter: Counter<L>, values: Readonly<Record<L, readonly string[]>>): void {
  const keys = Object.keys(values) as L[];
  const combos = keys.reduce<Partial<Record<L, string>>[]>((acc, k) => acc.flatMap((c) => values[k].map((v) => ({ ...c, [k]: v }))), [{}]);
  for (const c of combos) counter.inc(c as Record<L, string>, 0);
}

/** Latency buckets in seconds, from sub-millisecond to 10 s. */
export const latencyBuckets: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
