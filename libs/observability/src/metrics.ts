import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** Metrics as another registry exports them (`Metrics.json()`), e.g. from a worker thread. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** How a gauge's values from several threads combine into the one the process reports. */
export type GaugeAggregation = 'sum' | 'min' | 'max' | 'average' | 'first';

/**
 * One Prometheus registry per app instance (not prom-client's global one), so tests can run
 * several apps in one process without metric-name clashes. Names follow
 * `streamcell_<service>_<what>_<unit>`.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly sources: (() => Promise<MetricsJson[]>)[] = [];

  /** `processMetrics: false` in a worker thread: CPU, memory and the like belong to the process, reported once by the main thread. */
  constructor(
    readonly service: string,
    options: { readonly processMetrics?: boolean } = {},
  ) {
    this.registry.setDefaultLabels({ service });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'streamcell_' });
  }

  /**
   * Adds other registries' metrics (worker threads') to what render() reports: counters and
   * histograms are summed, gauges combined as each declares (sum unless told otherwise).
   */
  addSource(source: () => Promise<MetricsJson[]>): void {
    this.sources.push(source);
  }

  /** This registry's metrics as data, for another thread's addSource. */
  async json(): Promise<MetricsJson> {
    return this.registry.getMetricsAsJSON();
  }

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], aggregator: GaugeAggregation = 'sum'): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry], aggregator });
  }

  /** A gauge without labels whose value is read at each scrape: for a state nothing else updates while nothing happens. */
  observedGauge(name: string, help: string, read: () => number): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
  }

  async render(): Promise<string> {
    if (this.sources.length === 0) return this.registry.metrics();
    const others = await Promise.all(this.sources.map((s) => s()));
    return AggregatorRegistry.aggregate([await this.json(), ...others.flat()]).metrics();
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
