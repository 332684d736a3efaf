import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventTopics, inferenceTopics, modelWeightsTopic } from '@streamcell/events';
import {
  KafkaConnection,
  ProducerFencedError,
  retryRetriable,
  type Assignment,
  type BatchConsumer,
  type BatchContext,
  type BatchOutcome,
  type BrokerStatus,
  type BrokerWatch,
  type ConsumedMessage,
  type ConsumerHealth,
  type KafkaAdmin,
  type KafkaProducer,
  type TransactionalProducer,
} from '@streamcell/kafka';
import { StreamingModel, type EngineConfig, type WeightsBundle } from '@streamcell/model';
import type { JsonLogger } from '@streamcell/observability';
import { BatchProcessor } from './batch-processor';
import type { InferenceConfig } from './config';
import type { InferenceMetrics } from './inference.metrics';
import { PartitionTask, type CommitSnapshot } from './partition-task';
import { StepScheduler } from './step-scheduler';
import { HostStateCache } from './state-tiers/host-cache';
import { LmdbTier } from './state-tiers/lmdb-tier';
import { LocalCheckpoint } from './state-tiers/local-checkpoint';
import { checkpointPartitions, restoreStreams, type WarmStart } from './state-tiers/restorer';
import { expireIdleStates } from './state-tiers/state-expiry';
import { StreamStore } from './stream-store';
import { WeightsFeed } from './weights-feed';

const COMMIT_RETRIES = 3;
/** Processed events of a partition not yet in a transaction, past which processing waits for the one on the wire. */
const MAX_UNCOMMITTED_EVENTS = 10_000;
/** Fetched but unprocessed messages per partition before the fetch loop waits. */
const MAX_QUEUED_PER_PARTITION = 20_000;

/**
 * One inference worker: a member of the consumer group on `events` that owns some partitions,
 * restores their streams from the changelog before processing them, steps every event on its
 * stream's state, and commits outputs + state + offsets per partition every commit interval
 * (one Kafka transaction each under exactly-once).
 *
 * Lifecycle: start() → (model arrives) → consuming → stop() (finish the open batch, commit, leave).
 */
export class InferenceWorker {
  private readonly connection: KafkaConnection;
  private readonly admin: KafkaAdmin;
  private readonly brokers: BrokerWatch;
  private readonly store: StreamStore;
  private readonly scheduler: StepScheduler;
  private readonly weights: WeightsFeed;
  private readonly tasks = new Map<number, PartitionTask>();
  /** Partitions of the events topic as of the last assignment, for the misrouting check. */
  private eventsPartitions: number | undefined;
  private readonly eos: boolean;
  private model: StreamingModel | undefined;
  private processor: BatchProcessor | undefined;
  private consumer: BatchConsumer | undefined;
  private outputProducer: KafkaProducer | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly diskTier: LmdbTier;
  /** Warm restarts: only with a configured INFERENCE_STATE_DIR (a temp dir does not outlive us). */
  private readonly checkpoint: LocalCheckpoint | undefined;
  private stopping = false;
  private readonly abort = new AbortController();
  private startFailure: Error | undefined;
  private consuming: Promise<void> | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly config: InferenceConfig,
    private readonly metrics: InferenceMetrics,
    private readonly logger: JsonLogger,
  ) {
    this.eos = config.guarantee === 'exactly_once';
    this.connection = new KafkaConnection(config, logger, 'inference');
    this.admin = this.connection.admin();
    this.brokers = this.admin.watch();
    const stateDir = config.stateDir !== '' ? config.stateDir : join(tmpdir(), `streamcell-inference-${process.pid}`);
    this.diskTier = new LmdbTier(join(stateDir, 'spill'), config.stateTtlMs > 0);
    this.checkpoint = config.stateDir !== '' ? new LocalCheckpoint(join(stateDir, 'checkpoint'), `${config.groupId}|${config.inferenceState}`) : undefined;
    this.store = new StreamStore(new HostStateCache(config.stateMemoryBytes, this.diskTier), (reason) => metrics.evictions.inc({ reason }));
    this.scheduler = new StepScheduler(
      () => this.requireModel(),
      (batch, seconds) => {
        metrics.stepBatchSize.observe(batch);
        metrics.stepDuration.observe(seconds);
      },
    );
    this.weights = new WeightsFeed(
      this.connection,
      this.admin,
      { topic: config.modelWeights, modelName: config.modelName, groupPrefix: config.groupId },
      (bundle) => this.applyBundle(bundle),
      (error) => metrics.weightsRefused.inc({ error: error.name }),
      logger,
    );
  }

  get modelVersion(): number {
    return this.model?.bundle.version ?? 0;
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
            await this.admin.ensureTopics([...eventTopics(this.config), ...inferenceTopics(this.config), modelWeightsTopic(this.config)], { signal });
          }
          if (!this.stopping) await this.weights.start();
        },
        {
          context: 'start',
          maxDelayMs: 10_000,
          signal,
          onRetry: (e, retryInMs) => this.logger.warn('Kafka not ready yet; retrying start', { error: e.message, retryInMs }),
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
    for (const task of this.tasks.values()) {
      task.inbox.length = 0;
      task.inboxMessages = 0;
      await task.exclusive(() => (this.eos ? Promise.resolve(this.commit(task, true)) : this.flushAtLeastOnce(task))).catch((e: unknown) =>
        this.logger.warn('final commit failed', { partition: task.partition, error: String(e) }),
      );
      await task.commitChain.catch(() => undefined);
    }
    await this.writeCheckpoint();
    await this.consumer?.stop().catch((e: unknown) => this.logger.warn('consumer stop failed', { error: String(e) }));
    for (const task of this.tasks.values()) await task.producer?.disconnect().catch(() => undefined);
    await this.outputProducer?.disconnect().catch(() => undefined);
    await this.model?.dispose();
    this.diskTier.close();
    await this.checkpoint?.close().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  private requireModel(): StreamingModel {
    if (this.model === undefined) throw new Error('no model loaded');
    return this.model;
  }

  private engineConfig(): EngineConfig {
    switch (this.config.engine) {
      case 'onnx':
        return { kind: 'onnx', executionProvider: this.config.onnxProvider };
      case 'reference':
        return { kind: 'reference' };
      case 'tfjs':
        return { kind: 'tfjs', backend: this.config.tfjsBackend };
    }
  }

  /** First bundle: compile and start consuming. Later ones: swap between steps. */
  private async applyBundle(bundle: WeightsBundle): Promise<void> {
    try {
      if (this.model === undefined) {
        this.model = await StreamingModel.create({
          bundle,
          engine: this.engineConfig(),
          capacity: this.config.stateCapacity,
          idleTimeoutMs: this.config.idleTimeoutMs,
          onEvict: this.store.evict,
        });
        this.store.attach(this.model);
        this.processor = new BatchProcessor(
          this.store,
          this.scheduler,
          () => this.requireModel(),
          { zThreshold: this.config.alertZ, warmup: this.config.alertWarmup, cooldown: this.config.alertCooldown, halfLife: this.config.alertHalfLife },
          this.metrics,
          this.config.events,
          () => this.eventsPartitions,
        );
        this.logger.info('model loaded', { name: bundle.name, version: bundle.version, engine: this.model.engine, cell: bundle.spec.cell });
        this.metrics.modelVersion.set(bundle.version);
        this.consuming = this.startConsumingWhenPossible();
        return;
      }
      const model = this.model;
      await this.scheduler.exclusive(async () => {
        const { statesKept } = await model.swapWeights(bundle);
        if (!statesKept) {
          this.store.clear();
          for (const t of this.tasks.values()) t.streams.clear();
          this.metrics.stateResets.inc();
          this.logger.warn('model architecture changed: all stream states reset', { version: bundle.version });
        }
        this.metrics.modelVersion.set(bundle.version);
        this.logger.info('model swapped', { name: bundle.name, version: bundle.version, statesKept });
      });
    } catch (e) {
      // A bundle that decodes but cannot be compiled or swapped is refused like a corrupt one.
      this.metrics.weightsRefused.inc({ error: e instanceof Error ? e.name : 'Error' });
      this.logger.error('could not load weights bundle; keeping the current model', { version: bundle.version, error: String(e) });
    }
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
        onRetry: (e, retryInMs) => this.logger.warn('cannot consume events yet, retrying', { topic: this.config.events, error: e.message, retryInMs }),
      },
    );
  }

  private async startConsuming(): Promise<void> {
    if (!this.eos) {
      this.outputProducer = this.connection.producer({ maxQueuedMessages: 1_000_000, ackTimeoutMs: 30_000 });
      await this.outputProducer.connect();
    }
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
    this.consumer.onRebalancing(() => void this.commitAll('rebalance'));
    await this.consumer.start((messages, ctx) => this.onBatch(messages, ctx));
    if (this.eos) this.commitTimer = setInterval(() => void this.commitAll('interval'), this.config.commitIntervalMs);
    this.idleTimer = setInterval(() => this.evictIdle(), Math.min(60_000, Math.max(1000, Math.floor(this.config.idleTimeoutMs / 4))));
    const ttl = this.config.stateTtlMs;
    if (ttl > 0) this.expiryTimer = setInterval(() => this.expireStates(ttl), Math.min(60_000, Math.max(1000, Math.floor(ttl / 4))));
  }

  private onAssignment(assignment: Assignment): void {
    const owned = new Set(assignment.get(this.config.events) ?? []);
    for (const [p, task] of this.tasks) {
      if (owned.has(p)) continue;
      // Revoked: whoever owns it now restores from the changelog; our uncommitted work is void
      // (its producer gets fenced), so drop it and the partition's streams.
      this.tasks.delete(p);
      this.store.dropAll(task.streams);
      void task.producer?.disconnect().catch(() => undefined);
      this.logger.info('partition revoked', { partition: p });
    }
    const added = [...owned].filter((p) => !this.tasks.has(p));
    if (added.length === 0) return;
    const tasks = added.map((p) => new PartitionTask(p));
    for (const t of tasks) this.tasks.set(t.partition, t);
    // Initialise all new partitions together (one changelog read); each task's first batch waits.
    const init = this.initialise(tasks);
    for (const t of tasks) void t.exclusive(() => init);
  }

  /**
   * Takes over partitions: fence older producers of them (exactly-once), read the committed
   * offsets (stable only after fencing), then restore their streams from the changelog.
   */
  private async initialise(tasks: PartitionTask[]): Promise<void> {
    const t0 = Date.now();
    try {
      if (this.eos) {
        await Promise.all(
          tasks.map(async (t) => {
            t.producer = this.connection.transactionalProducer({
              transactionalId: `${this.config.groupId}.${this.config.events}.${t.partition}`,
              transactionTimeoutMs: this.config.transactionTimeoutMs,
            });
            await t.producer.connect();
          }),
        );
      }
      const committed = await this.admin.committedOffsets(this.config.groupId, this.config.events);
      const earliest = await this.admin.startOffsets(this.config.events);
      // Every partition of the topic is listed: its partition count, fresh at each assignment.
      if (earliest.size > 0) this.eventsPartitions = earliest.size;
      for (const t of tasks) {
        const c = committed.get(t.partition) ?? -1n;
        t.startOffset = c >= 0n ? c : (earliest.get(t.partition) ?? 0n);
        t.expectedOffset = t.startOffset;
      }
      const { records, streams: restored, fromCheckpoint } = await restoreStreams(
        (topic, partitions, onMessage, from) => this.connection.readToEnd(topic, partitions, onMessage, undefined, from),
        this.config.inferenceState,
        tasks,
        this.store,
        t0,
        this.warmStart(),
      );
      this.metrics.restoreRecords.inc({ source: 'checkpoint' }, fromCheckpoint);
      this.metrics.restoreRecords.inc({ source: 'changelog' }, records);
      for (const t of tasks) t.status = 'ready';
      this.metrics.restoredStreams.inc(restored);
      this.metrics.restoreDuration.observe((Date.now() - t0) / 1000);
      this.logger.info('partitions restored', { partitions: tasks.map((t) => t.partition), streams: restored, fromCheckpoint, records, ms: Date.now() - t0 });
    } catch (e) {
      for (const t of tasks) t.status = 'broken';
      this.logger.error('partition initialisation failed; will retry on the next batch', { partitions: tasks.map((t) => t.partition), error: String(e) });
    }
  }

  /**
   * The consumer's handler only queues the batch and returns, so the next fetch overlaps with
   * processing (kafkajs fetches again only once every handler of a round has returned). Offsets
   * never advance through the group here: they are committed with the outputs they produced.
   */
  private async onBatch(messages: readonly ConsumedMessage[], ctx: BatchContext): Promise<BatchOutcome> {
    const partition = messages[0].partition;
    const last = messages[messages.length - 1];
    this.metrics.consumerLag.set({ partition: String(partition) }, Math.max(0, Number(BigInt(ctx.highWatermark) - BigInt(last.offset) - 1n)));
    const task = this.tasks.get(partition);
    if (task === undefined || this.stopping) return 'rewound';
    task.inbox.push(messages);
    task.inboxMessages += messages.length;
    void this.pump(task);
    // Backpressure: a partition far behind holds the fetch loop until it catches up.
    while (task.inboxMessages > MAX_QUEUED_PER_PARTITION && this.tasks.get(partition) === task && !this.stopping) {
      await new Promise((r) => setTimeout(r, 5));
    }
    return undefined;
  }

  private async pump(task: PartitionTask): Promise<void> {
    if (task.pumping) return;
    task.pumping = true;
    try {
      while (task.inbox.length > 0 && this.tasks.get(task.partition) === task && !this.stopping) {
        const messages = task.inbox.shift()!;
        task.inboxMessages -= messages.length;
        await task.exclusive(() => this.processQueued(task, messages));
      }
    } catch (e) {
      this.logger.error('processing failed; re-initialising the partition from its last commit', { partition: task.partition, error: String(e) });
      task.status = 'broken';
    } finally {
      task.pumping = false;
    }
  }

  private async processQueued(task: PartitionTask, messages: readonly ConsumedMessage[]): Promise<void> {
    if (task.status === 'broken') {
      await this.reinitialise(task);
      return;
    }
    // The consumer's fetch position falls back to the group's committed offset after every
    // rebalance, and commits trail processing; skip what this worker already processed. (It never
    // jumps ahead of what was processed: only processed offsets are ever committed.)
    const fresh = firstFrom(messages, task.expectedOffset);
    if (fresh.length === 0) return;
    await this.processor!.process(task, fresh);
    task.expectedOffset = BigInt(fresh[fresh.length - 1].offset) + 1n;
    if (!this.eos) {
      await this.flushAtLeastOnce(task);
      return;
    }
    if (Date.now() - task.lastCommitAt >= this.config.commitIntervalMs) this.commit(task);
    // Bound the work not yet durable: past a limit, wait for the transaction on the wire.
    if (task.commitsInFlight > 0 && task.eventTimes.length >= MAX_UNCOMMITTED_EVENTS) await task.commitChain;
  }

  /** Drops uncommitted work and the partition's streams, restores from the changelog, re-reads from the commit. */
  private async reinitialise(task: PartitionTask): Promise<void> {
    await task.commitChain;
    this.store.dropAll(task.streams);
    task.streams.clear();
    task.reset();
    await task.producer?.disconnect().catch(() => undefined);
    await this.initialise([task]);
    if ((task.status) !== 'ready') throw new Error(`partition ${task.partition} could not be initialised`);
    this.rewind(task);
  }

  private rewind(task: PartitionTask): void {
    this.consumer!.seek(this.config.events, task.partition, task.startOffset.toString());
    task.inbox.length = 0;
    task.inboxMessages = 0;
  }

  /** `interval`: commit partitions with no transaction on the wire; `rebalance`: everything, now. */
  private commitAll(why: 'interval' | 'rebalance'): Promise<void> {
    if (!this.eos) return Promise.resolve();
    return Promise.all(
      [...this.tasks.values()].map(async (t) => {
        await t.exclusive(() => {
          this.commit(t, why === 'rebalance');
          return Promise.resolve();
        });
        await t.commitChain;
      }),
    ).then(
      () => undefined,
      (e: unknown) => this.logger.warn('commit failed', { why, error: String(e) }),
    );
  }

  /**
   * Takes the pending outputs, changed states and next offset as one transaction and queues it
   * behind the partition's earlier ones. Runs under the partition's exclusive section, so the
   * snapshot matches the states exactly; the write itself overlaps with later processing.
   *
   * One transaction per partition on the wire at a time (unless `flush`: rebalance, shutdown):
   * what is processed meanwhile goes out as one transaction as soon as it completes. Transactions
   * cost the broker several round trips and log writes each; queueing one per commit interval
   * behind a slow one made them slower still (bench:pipeline live phase, 12 partitions, 100 ms
   * interval: p50 0.6–0.9 s with a queue, see docs/decisions.md).
   */
  private commit(task: PartitionTask, flush = false): void {
    if (!task.hasPending || task.status !== 'ready' || task.producer === undefined) return;
    if (task.commitsInFlight > 0 && !flush) {
      task.commitWanted = true;
      return;
    }
    task.commitWanted = false;
    const snapshot = task.takeSnapshot(this.topics(), (s) => this.store.record(s));
    const producer = task.producer;
    task.commitsInFlight += 1;
    task.commitChain = task.commitChain.then(async () => {
      try {
        if (snapshot.epoch !== task.epoch || task.status !== 'ready') return; // superseded by a re-initialisation
        await this.writeTransaction(task, producer, snapshot);
      } finally {
        task.commitsInFlight -= 1;
        if (task.commitWanted && task.commitsInFlight === 0 && !this.stopping) {
          void task.exclusive(() => {
            this.commit(task);
            return Promise.resolve();
          });
        }
      }
    });
  }

  private async writeTransaction(task: PartitionTask, producer: TransactionalProducer, snapshot: CommitSnapshot): Promise<void> {
    const offsets = [{ groupId: this.config.groupId, topic: this.config.events, partition: task.partition, offset: snapshot.nextOffset }];
    for (let attempt = 1; ; attempt++) {
      const end = this.metrics.commitDuration.startTimer();
      try {
        await producer.commit(snapshot.records, offsets);
        end();
        this.committed(snapshot.eventTimes);
        return;
      } catch (e) {
        if (e instanceof ProducerFencedError) {
          // Another worker owns the partition now; its restore supersedes our pending work.
          this.metrics.transactionFailures.inc({ outcome: 'fenced' });
          this.logger.warn('producer fenced; dropping partition work', { partition: task.partition });
          task.status = 'broken';
          return;
        }
        if (this.tasks.get(task.partition) !== task) return; // revoked meanwhile: the new owner restores from the last commit
        if (attempt < COMMIT_RETRIES) {
          // The aborted transaction's records are invisible to read_committed readers; sending
          // the same records and offsets again in a new transaction (under a new producer epoch,
          // see TransactionalProducer.commit) keeps exactly-once.
          this.metrics.transactionFailures.inc({ outcome: 'retried' });
          this.logger.warn('transaction failed, retrying', { partition: task.partition, attempt, error: String(e) });
          await new Promise((r) => setTimeout(r, 100 * attempt));
          continue;
        }
        // Give up on the in-memory state: restore from the last commit and re-read from there.
        this.metrics.transactionFailures.inc({ outcome: 'reinitialised' });
        this.logger.error('transaction failed repeatedly; re-initialising the partition from its last commit', { partition: task.partition, error: String(e) });
        task.status = 'broken';
        if (task.inbox.length === 0) task.inbox.push([]);
        void this.pump(task);
        return;
      }
    }
  }

  private async flushAtLeastOnce(task: PartitionTask): Promise<void> {
    if (!task.hasPending) return;
    const snapshot = task.takeSnapshot(this.topics(), (s) => this.store.record(s));
    const end = this.metrics.commitDuration.startTimer();
    await this.outputProducer!.send(snapshot.records);
    await this.consumer!.commitOffsets([{ topic: this.config.events, partition: task.partition, offset: snapshot.nextOffset }]);
    end();
    this.committed(snapshot.eventTimes);
  }

  private topics() {
    return { predictions: this.config.predictions, alerts: this.config.alerts, dlq: this.config.eventsDlq, state: this.config.inferenceState };
  }

  private committed(eventTimes: readonly number[]): void {
    const now = Date.now();
    for (const ts of eventTimes) this.metrics.endToEndLatency.observe(Math.max(0, now - ts) / 1000);
    this.metrics.stateStreams.set({ where: 'engine' }, this.store.hotCount);
    this.metrics.stateStreams.set({ where: 'host' }, this.store.coldCount);
    this.metrics.stateStreams.set({ where: 'disk' }, this.store.diskCount);
  }

  private evictIdle(): void {
    const model = this.model;
    if (model === undefined) return;
    // Through the scheduler: eviction must not run in the middle of a step.
    void this.scheduler.exclusive(() => {
      model.evictIdle(Date.now());
      return Promise.resolve();
    });
  }

  private warmStart(): WarmStart | undefined {
    if (this.checkpoint === undefined) return undefined;
    const topic = this.config.inferenceState;
    return {
      checkpoint: this.checkpoint,
      offsets: async () => ({ start: await this.admin.startOffsets(topic), end: await this.admin.endOffsets(topic) }),
      maxAgeMs: this.config.checkpointMaxAgeMs,
    };
  }

  /** At a clean stop, after the final commits: the partitions' states for a warm restart. */
  private async writeCheckpoint(): Promise<void> {
    if (this.checkpoint === undefined || this.model === undefined || this.tasks.size === 0) return;
    try {
      const end = await this.admin.endOffsets(this.config.inferenceState);
      const { partitions, streams } = checkpointPartitions(this.checkpoint, this.tasks.values(), this.store, end);
      this.logger.info('state checkpoint written for a warm restart', { partitions, streams });
    } catch (e) {
      // Only a slower next start: it restores from the changelog.
      this.logger.warn('could not write the state checkpoint', { error: String(e) });
    }
  }

  /** State TTL sweep, between steps; the tombstones go out with each partition's next commit. */
  private expireStates(ttlMs: number): void {
    if (this.model === undefined) return;
    void this.scheduler.exclusive(() => {
      const { touched, expired } = expireIdleStates(this.store, this.tasks.values(), Date.now(), ttlMs);
      if (expired > 0) this.metrics.stateExpired.inc(expired);
      // At-least-once flushes only after a batch: flush the tombstones of idle partitions now.
      if (!this.eos) for (const t of touched) void t.exclusive(() => this.flushAtLeastOnce(t)).catch((e: unknown) => this.logger.warn('flush failed', { partition: t.partition, error: String(e) }));
      return Promise.resolve();
    });
  }
}

/** The messages at or after `from` (the batch is in offset order). */
function firstFrom(messages: readonly ConsumedMessage[], from: bigint): readonly ConsumedMessage[] {
  if (messages.length === 0 || BigInt(messages[0].offset) >= from) return messages;
  const i = messages.findIndex((m) => BigInt(m.offset) >= from);
  return i < 0 ? [] : messages.slice(i);
}
