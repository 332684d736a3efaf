import { eventTopics, inferenceTopics, modelWeightsTopic } from '@streamcell/events';
import { KafkaConnection, retryRetriable, startupRetryLog, type Assignment, type BatchConsumer, type BrokerStatus, type BrokerWatch, type ConsumerHealth, type KafkaAdmin } from '@streamcell/kafka';
import type { JsonLogger } from '@streamcell/observability';
import { AtLeastOnce } from './commit/at-least-once';
import type { Guarantee } from './commit/committer';
import { ExactlyOnce } from './commit/exactly-once';
import { engineConfig, type InferenceConfig } from './config';
import type { InferenceMetrics } from './inference.metrics';
import { ModelHost } from './model-host';
import { PartitionInitialiser } from './partition-initialiser';
import type { CommitSnapshot } from './partition-task';
import { PartitionLag } from './partition-lag';
import { PartitionSet } from './partition-set';
import { StepScheduler } from './step-scheduler';
import { WorkerState } from './state-tiers/worker-state';
import type { StreamStore } from './stream-store';
import { WeightsFeed } from './weights-feed';

/**
 * One inference worker: a member of the consumer group on `events`. It wires the parts and owns
 * the Kafka clients and timers: the model host (weights feed → compile/swap), the partition set
 * (a runner per owned partition: inbox, processing, commits, recovery), the initialiser (fencing,
 * committed offsets, restore) and the delivery guarantee's committers.
 *
 * Lifecycle: start() → (model arrives) → consuming → stop() (finish the open batch, commit, leave).
 */
export class InferenceWorker {
  private readonly connection: KafkaConnection;
  private readonly admin: KafkaAdmin;
  private readonly brokers: BrokerWatch;
  private readonly store: StreamStore;
  private readonly host: ModelHost;
  private readonly weights: WeightsFeed;
  private readonly guarantee: Guarantee;
  private readonly partitions: PartitionSet;
  /** Partitions of the events topic as of the last initialisation, for the misrouting check. */
  private eventsPartitions: number | undefined;
  private consumer: BatchConsumer | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly state: WorkerState;
  private readonly scheduler: StepScheduler;
  private readonly lag: PartitionLag;
  private stopping = false;
  private readonly abort = new AbortController();
  private startFailure: Error | undefined;
  private consuming: Promise<void> | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly config: InferenceConfig,
    private readonly metrics: InferenceMetrics,
    private readonly logger: JsonLogger,
    /** Which of the process's worker threads this is (INFERENCE_THREADS): each spills to its own directory. */
    thread = 0,
  ) {
    this.connection = new KafkaConnection(config, logger, 'inference');
    this.admin = this.connection.admin();
    this.brokers = this.admin.watch();
    this.state = new WorkerState(config, thread, (reason) => metrics.evictions.inc({ reason }), this.admin, logger);
    this.store = this.state.store;
    this.lag = new PartitionLag(metrics.consumerLag);
    this.scheduler = new StepScheduler(
      () => this.host.current(),
      (batch, seconds) => {
        metrics.stepBatchSize.observe(batch);
        metrics.stepDuration.observe(seconds);
      },
    );
    this.host = new ModelHost(
      {
        engine: engineConfig(config),
        capacity: config.stateCapacity,
        idleTimeoutMs: config.idleTimeoutMs,
        alertRule: { zThreshold: config.alertZ, warmup: config.alertWarmup, cooldown: config.alertCooldown, halfLife: config.alertHalfLife },
        events: config.events,
      },
      this.store,
      this.scheduler,
      metrics,
      logger,
      {
        onFirstModel: () => {
          this.consuming = this.startConsumingWhenPossible();
        },
        onStatesReset: () => {
          for (const t of this.partitions.tasks()) t.streams.clear();
        },
        partitionCount: () => this.eventsPartitions,
      },
    );
    this.guarantee =
      config.guarantee === 'exactly_once'
        ? new ExactlyOnce(this.connection, { groupId: config.groupId, events: config.events, transactionTimeoutMs: config.transactionTimeoutMs })
        : new AtLeastOnce(this.connection, config.events, (offsets) => this.consumer!.commitOffsets(offsets));
    const clock = (): number => Date.now();
    const initialiser = new PartitionInitialiser({
      offsets: {
        committed: () => this.admin.committedOffsets(config.groupId, config.events),
        earliest: () => this.admin.startOffsets(config.events),
      },
      readChangelog: (topic, partitions, onMessage, from) => this.connection.readToEnd(topic, partitions, onMessage, undefined, from),
      changelogTopic: config.inferenceState,
      store: this.store,
      warmStart: () => this.state.warmStart(),
      clock,
      metrics,
      logger,
      onPartitionCount: (n) => (this.eventsPartitions = n),
    });
    this.partitions = new PartitionSet(
      {
        guarantee: this.guarantee,
        processor: this.host.processor,
        store: this.store,
        topics: { predictions: config.predictions, alerts: config.alerts, dlq: config.eventsDlq, state: config.inferenceState },
        commitIntervalMs: config.commitIntervalMs,
        clock,
        initialise: initialiser.initialise,
        seek: (partition, offset) => this.consumer!.seek(config.events, partition, offset.toString()),
        committed: (snapshot, seconds) => this.committed(snapshot, seconds),
        failure: (outcome) => metrics.transactionFailures.inc({ outcome }),
        logger,
      },
      this.store,
      logger,
    );
    this.weights = new WeightsFeed(
      this.connection,
      this.admin,
      { topic: config.modelWeights, modelName: config.modelName, groupPrefix: config.groupId, maxModelBytes: config.maxModelBytes },
      this.host.apply,
      (error) => metrics.weightsRefused.inc({ error: error.name }),
      logger,
    );
  }

  get modelVersion(): number {
    return this.host.version;
  }

  /** The events consumer's state (undefined until a model is loaded and consuming starts). */
  get consumerHealth(): ConsumerHealth | undefined {
    return this.consumer?.healthState;
  }

  /** Kafka reachability, checked in the background (health probes read it). */
  get brokerStatus(): BrokerStatus {
    return this.brokers.status;
  }

  /** Creates topics, follows model.weights; event consumption starts once a model is loaded. */
  async start(): Promise<void> {
    this.brokers.start();
    this.starting = this.startFeeds();
    await this.starting;
  }

  /** Why the model.weights follower stopped for good (for readiness). */
  get weightsError(): Error | undefined {
    return this.weights.crashError;
  }

  /** Why start-up gave up, when an error no retry can fix stopped it (for readiness). */
  get startError(): Error | undefined {
    return this.startFailure;
  }

  private async startFeeds(): Promise<void> {
    const signal = this.abort.signal;
    try {
      await retryRetriable(
        async () => {
          if (this.config.createTopics) {
            // events too (same layout as ingest's, idempotent): workers may start before ingest.
            await this.admin.ensureTopics([...eventTopics(this.config), ...inferenceTopics(this.config), modelWeightsTopic(this.config, this.config.maxModelBytes)], { signal });
          }
          if (!this.stopping) await this.weights.start();
        },
        {
          context: 'start',
          maxDelayMs: 10_000,
          signal,
          onRetry: startupRetryLog(this.logger, 'Kafka not ready yet; retrying start'),
        },
      );
    } catch (e) {
      this.startFailure = e instanceof Error ? e : new Error(String(e));
      throw e;
    }
  }

  /** Graceful: stop fetching, finish the open batch, commit what is pending, leave the group. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    this.brokers.stop();
    clearInterval(this.commitTimer);
    clearInterval(this.idleTimer);
    clearInterval(this.expiryTimer);
    await this.starting?.catch(() => undefined);
    await this.weights.stop().catch(() => undefined);
    await this.consuming?.catch(() => undefined);
    // Stop fetching but stay in the group until the open work is committed, so the partitions'
    // next owner starts from our last commit rather than fencing it.
    this.consumer?.pause([this.config.events]);
    await this.partitions.drain();
    await this.writeCheckpoint();
    await this.consumer?.stop().catch((e: unknown) => this.logger.warn('consumer stop failed', { error: String(e) }));
    await this.partitions.close();
    await this.guarantee.stop();
    await this.host.dispose();
    await this.state.close();
    await this.admin.disconnect().catch(() => undefined);
  }

  /** Starts consuming; retries (e.g. while `events` does not exist yet) until it works or stop(). */
  private async startConsumingWhenPossible(): Promise<void> {
    await retryRetriable(
      async () => {
        try {
          await this.startConsuming();
        } catch (e) {
          await this.consumer?.stop().catch(() => undefined);
          this.consumer = undefined;
          throw e;
        }
      },
      {
        context: 'consume',
        initialDelayMs: 500,
        maxDelayMs: 10_000,
        signal: this.abort.signal,
        shouldRetry: () => true,
        onRetry: startupRetryLog(this.logger, 'cannot consume events yet, retrying', { topic: this.config.events }),
      },
    );
  }

  private async startConsuming(): Promise<void> {
    await this.guarantee.start();
    this.consumer = this.connection.consumer({
      groupId: this.config.groupId,
      topics: [this.config.events],
      fromBeginning: true,
      readCommitted: true,
      // Offsets are committed only with the outputs they produced (a transaction, or after the
      // produce was acknowledged under at-least-once), never by the consumer on its own.
      autoCommit: false,
      sessionTimeoutMs: this.config.sessionTimeoutMs,
      heartbeatIntervalMs: Math.min(3000, Math.floor(this.config.sessionTimeoutMs / 3)),
      concurrency: this.config.eventsPartitions,
    });
    this.consumer.onAssignment((a) => this.onAssignment(a));
    this.consumer.onRebalancing(() => void this.partitions.commitAll('rebalance'));
    // The handler only queues the batch and returns, so the next fetch overlaps with processing
    // (kafkajs fetches again only once every handler of a round has returned).
    await this.consumer.start(async (messages, ctx) => {
      // Stale: fetched before a re-initialisation's seek. Its offsets may lie past the ones the
      // seek will fetch again, and taking them would make those look already processed.
      if (this.stopping || !ctx.isActive()) return 'rewound';
      const last = messages[messages.length - 1];
      this.lag.report(last.partition, last.offset, ctx.highWatermark);
      return this.partitions.offer(messages);
    });
    if (this.guarantee.onInterval) this.commitTimer = setInterval(() => void this.partitions.commitAll('interval'), this.config.commitIntervalMs);
    this.idleTimer = setInterval(() => void this.host.evictIdle(Date.now()), Math.min(60_000, Math.max(1000, Math.floor(this.config.idleTimeoutMs / 4))));
    const ttl = this.config.stateTtlMs;
    if (ttl > 0) this.expiryTimer = setInterval(() => this.expireStates(ttl), Math.min(60_000, Math.max(1000, Math.floor(ttl / 4))));
  }

  private onAssignment(assignment: Assignment): void {
    const assigned = new Set(assignment.get(this.config.events) ?? []);
    this.lag.keepOnly(assigned);
    this.partitions.assign(assigned);
  }

  private committed(snapshot: CommitSnapshot, seconds: number): void {
    this.metrics.commitDuration.observe(seconds);
    const now = Date.now();
    for (const ts of snapshot.eventTimes) this.metrics.endToEndLatency.observe(Math.max(0, now - ts) / 1000);
    this.metrics.stateStreams.set({ where: 'engine' }, this.store.hotCount);
    this.metrics.stateStreams.set({ where: 'host' }, this.store.coldCount);
    this.metrics.stateStreams.set({ where: 'disk' }, this.store.diskCount);
  }

  /** At a clean stop, after the final commits: the partitions' states for a warm restart. */
  private async writeCheckpoint(): Promise<void> {
    if (!this.host.loaded || this.partitions.size === 0) return;
    await this.state.writeCheckpoint(this.partitions.tasks(), (t) => this.partitions.settled(t));
  }

  /** State TTL sweep, between steps; the tombstones go out with each partition's next commit. */
  private expireStates(ttlMs: number): void {
    if (!this.host.loaded) return;
    void this.scheduler.exclusive(() => {
      const expired = this.partitions.expire(Date.now(), ttlMs);
      if (expired > 0) this.metrics.stateExpired.inc(expired);
      return Promise.resolve();
    });
  }
}
