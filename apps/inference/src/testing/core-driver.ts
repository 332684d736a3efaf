import { encodeEvent, type EventV1 } from '@streamcell/events';
import { partitionOfKey, type ConsumedMessage } from '@streamcell/kafka';
import type { WeightsBundle } from '@streamcell/model';
import { JsonLogger, Metrics } from '@streamcell/observability';
import { InferenceMetrics } from '../inference.metrics';
import { ModelHost } from '../model-host';
import { PartitionInitialiser } from '../partition-initialiser';
import { PartitionSet } from '../partition-set';
import { HostStateCache } from '../state-tiers/host-cache';
import { StepScheduler } from '../step-scheduler';
import { StreamStore } from '../stream-store';
import { FakeLog } from './fake-log';

export const driverTopics = { events: 'events', predictions: 'predictions', alerts: 'alerts', dlq: 'events.dlq', state: 'inference.state' } as const;

export interface DriverOptions {
  readonly bundle: WeightsBundle;
  readonly log?: FakeLog;
  readonly partitions?: number;
  readonly exactlyOnce?: boolean;
  readonly commitIntervalMs?: number;
  readonly capacity?: number;
}

/**
 * The inference core without a broker, in the spirit of Kafka Streams' TopologyTestDriver: the
 * real model host, partition set, runners, initialiser and batch processor, over a FakeLog in
 * place of Kafka and a clock the test moves. Feed events, advance time, read what was committed
 * (outputs, changelog, offsets), inject failures and fences, crash and restore on the same log.
 */
export class CoreDriver {
  readonly log: FakeLog;
  readonly metrics = new InferenceMetrics(new Metrics('inference'));
  readonly logLines: { level: string; msg: string }[] = [];
  readonly set: PartitionSet;
  readonly host: ModelHost;
  readonly store: StreamStore;
  now = 1_700_000_000_000;
  /** Where the fake consumer fetches next, per assigned partition (seek moves it). */
  private readonly position = new Map<number, number>();
  private readonly logger: JsonLogger;

  private constructor(private readonly options: DriverOptions) {
    this.log = options.log ?? new FakeLog(options.partitions ?? 4);
    this.logger = new JsonLogger('inference', 'debug', (line) => {
      const { level, msg } = JSON.parse(line) as { level: string; msg: string };
      this.logLines.push({ level, msg });
    });
    this.store = new StreamStore(new HostStateCache(64 * 1024 * 1024, null), (reason) => this.metrics.evictions.inc({ reason }));
    const scheduler = new StepScheduler(() => this.host.current());
    let partitionCount: number | undefined;
    this.host = new ModelHost(
      { engine: { kind: 'reference' }, capacity: options.capacity ?? 1024, idleTimeoutMs: 0, alertRule: { zThreshold: 4, warmup: 20, cooldown: 5, halfLife: 200 }, events: driverTopics.events },
      this.store,
      scheduler,
      this.metrics,
      this.logger,
      {
        onFirstModel: () => undefined,
        onStatesReset: () => {
          for (const t of this.set.tasks()) t.streams.clear();
        },
        partitionCount: () => partitionCount,
      },
    );
    const clock = (): number => this.now;
    const initialiser = new PartitionInitialiser({
      offsets: this.log.offsets(),
      readChangelog: this.log.readChangelog,
      changelogTopic: driverTopics.state,
      store: this.store,
      warmStart: () => undefined,
      clock,
      metrics: this.metrics,
      logger: this.logger,
      onPartitionCount: (n) => (partitionCount = n),
    });
    this.set = new PartitionSet(
      {
        guarantee: this.log.guarantee(options.exactlyOnce ?? true),
        processor: this.host.processor,
        store: this.store,
        topics: { predictions: driverTopics.predictions, alerts: driverTopics.alerts, dlq: driverTopics.dlq, state: driverTopics.state },
        commitIntervalMs: options.commitIntervalMs ?? 100,
        clock,
        initialise: initialiser.initialise,
        seek: (p, offset) => this.position.set(p, Number(offset)),
        committed: () => undefined,
        failure: (outcome) => this.metrics.transactionFailures.inc({ outcome }),
        logger: this.logger,
        retryDelayMs: 0,
      },
      this.store,
      this.logger,
    );
  }

  /** A driver with the bundle loaded and every partition of the log assigned (restored from it). */
  static async start(options: DriverOptions): Promise<CoreDriver> {
    const d = new CoreDriver(options);
    await d.host.apply(options.bundle);
    d.assign(Array.from({ length: d.log.eventPartitions }, (_, p) => p));
    await d.settle();
    return d;
  }

  assign(partitions: readonly number[]): void {
    for (const p of partitions) if (!this.position.has(p)) this.position.set(p, Number(this.log.groupOffsets.get(p) ?? 0n));
    for (const p of [...this.position.keys()]) if (!partitions.includes(p)) this.position.delete(p);
    this.set.assign(new Set(partitions));
  }

  /** Appends events to `events` (on the partition their stream hashes to, unless given). */
  send(events: readonly (Omit<EventV1, 'ts'> & { ts?: number })[], partition?: number): void {
    for (const e of events) {
      const p = partition ?? partitionOfKey(e.stream, this.log.eventPartitions);
      this.log.append(driverTopics.events, p, { key: e.stream, value: encodeEvent({ ...e, ts: e.ts ?? this.now }) }, this.now);
    }
  }

  /** Raw bytes on `events` (a producer that does not use our encoder). */
  sendRaw(stream: string, value: string, partition = partitionOfKey(stream, this.log.eventPartitions)): void {
    this.log.append(driverTopics.events, partition, { key: stream, value }, this.now);
  }

  /** One fetch round: every assigned partition's records from its position, as one batch each; waits until processed. */
  async poll(): Promise<void> {
    for (const [p, from] of this.position) {
      const batch: ConsumedMessage[] = this.log.records(driverTopics.events, p).slice(from);
      if (batch.length === 0) continue;
      this.position.set(p, from + batch.length);
      await this.set.offer(batch);
    }
    await this.settle();
  }

  /** Moves the clock and runs the commit timer once (exactly-once). */
  async advance(ms: number): Promise<void> {
    this.now += ms;
    await this.set.commitAll('interval');
    await this.settle();
  }

  /** Waits until every runner has processed what it was given and its commits are written. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      for (const t of this.set.tasks()) {
        const r = this.set.runner(t.partition);
        await r?.exclusive(() => Promise.resolve());
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Committed records of a topic, decoded as JSON values (null for tombstones), with their keys. */
  output(topic: string): { key: string; value: unknown }[] {
    return this.log.records(topic).map((m) => ({ key: m.key?.toString() ?? '', value: m.value === null ? null : (JSON.parse(m.value.toString()) as unknown) }));
  }

  /** The process dies: nothing is drained or committed; a new driver on the same log takes over. */
  async crash(): Promise<CoreDriver> {
    await this.host.dispose();
    return CoreDriver.start({ ...this.options, log: this.log });
  }

  async stop(): Promise<void> {
    await this.set.drain();
    await this.set.close();
    await this.host.dispose();
  }
}
