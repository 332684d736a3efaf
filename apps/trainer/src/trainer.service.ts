import { createBundle, type ModelSpec, type WeightsBundle } from '@streamcell/model';
import { modelWeightsTopic, trainerCheckpointsTopic } from '@streamcell/events';
import {
  KafkaConnection,
  ProducerFencedError,
  retryRetriable,
  type BatchConsumer,
  type BrokerStatus,
  type BrokerWatch,
  type ConsumedMessage,
  type ConsumerHealth,
  type KafkaAdmin,
  type TopicMessages,
  type TransactionalProducer,
} from '@streamcell/kafka';
import type { JsonLogger } from '@streamcell/observability';
import type { TrainerConfig } from './config';
import { CompactedTopicReader } from './model-ops/compacted-reader';
import { checkSize, publishBundle, readVersionRecord, type RecordWriter } from './model-ops/model-store';
import { decodeCheckpoint, encodeCheckpoint, type TrainerCheckpoint } from './training/checkpoint';
import { OnlineTrainer, type RoundReport } from './training/online-trainer';
import type { TrainerMetrics } from './trainer.metrics';

export type TrainerPhase = 'connecting' | 'loading' | 'waiting-for-events-topic' | 'waiting-for-model' | 'training' | 'stopped' | 'failed';

/** The trainer's transactional id: one trainer per model and weights topic. */
export function trainerTransactionalId(config: TrainerConfig): string {
  return `streamcell-trainer.${config.modelWeights}.${config.modelName}`;
}

/** The spec a model is bootstrapped from when model.weights has none (TRAINER_BOOTSTRAP=init). */
export function bootstrapSpec(config: TrainerConfig): ModelSpec {
  return {
    cell: config.cell,
    layers: config.layers.map(Number),
    inputWidth: config.inputWidth,
    head: { units: config.headUnits === 0 ? config.inputWidth : config.headUnits, activation: 'linear' },
    output: { kind: 'next-values', delta: config.forecast === 'change' },
    ...(config.scaling === 'per-stream' ? { streamScaling: { halfLife: config.scalingHalfLife } } : {}),
    ...(config.forecast === 'change' && config.adaptationHalfLife > 0 ? { adaptation: { halfLife: config.adaptationHalfLife } } : {}),
    ...(config.forecast === 'change' && config.adaptationHalfLife > 0 && config.seasonalPeriod > 1 ? { seasonality: { period: config.seasonalPeriod } } : {}),
  };
}

/**
 * The trainer's Kafka side around the OnlineTrainer loop:
 * start = topics → resume point (trainer.checkpoints) → head (model.weights, followed from then on)
 * → bootstrap v1 if there is none → consume `events`. Rounds are started from the consumer's
 * handler and a 1 s timer but never awaited there, and the loop yields between iterations, so
 * fetching and heartbeats continue while a round runs. stop() ends consumption, lets a running
 * round finish (it checkpoints), then closes the producer. Events live only in memory: after a
 * restart the windows refill from the group's committed offsets on, while the weights, Adam state,
 * statistics and counters come back from the checkpoint.
 */
export class TrainerService {
  readonly trainer: OnlineTrainer;
  private readonly connection: KafkaConnection;
  /** Every write (bootstrap, publish, checkpoint) is one transaction under a per-model id. */
  private readonly writer: TransactionalProducer;
  private readonly records: RecordWriter;
  private readonly admin: KafkaAdmin;
  private readonly brokers: BrokerWatch;
  private weightsReader: CompactedTopicReader | undefined;
  private eventsConsumer: BatchConsumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private currentRound: Promise<void> | undefined;
  private lastCheckpointAt: number | undefined;
  private stopping = false;
  private readonly abort = new AbortController();
  private startup: Promise<void> | undefined;
  private phaseValue: TrainerPhase = 'connecting';
  private failure: Error | undefined;
  private rejectionsSincePublish = 0;
  /** Every round's report, newest last (bounded), for logs and tests. */
  readonly reports: RoundReport[] = [];

  constructor(
    private readonly config: TrainerConfig,
    private readonly metrics: TrainerMetrics,
    private readonly logger: JsonLogger,
  ) {
    this.connection = new KafkaConnection(config, logger, 'trainer');
    // One transactional id per model and weights topic: a second trainer for the same model fences
    // this one when it connects, and this one's next write fails instead of publishing versions
    // that race the other's (see fenced()). Deployments use Recreate; this also holds when two
    // trainers are started by mistake.
    this.writer = this.connection.transactionalProducer({ transactionalId: trainerTransactionalId(config), transactionTimeoutMs: 60_000 });
    this.records = { send: (batches) => this.write(batches) };
    this.admin = this.connection.admin();
    this.brokers = this.admin.watch();
    this.trainer = new OnlineTrainer(config, {
      publish: async (bundle) => {
        await publishBundle(this.records, config.modelWeights, bundle, config.maxModelBytes);
      },
      checkpoint: (c) => this.writeCheckpoint(c),
      yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)),
    });
  }

  get phase(): TrainerPhase {
    return this.phaseValue;
  }

  get failedWith(): Error | undefined {
    return this.failure ?? this.eventsConsumer?.crashError ?? this.weightsReader?.crashError;
  }

  get kafkaAdmin(): KafkaAdmin {
    return this.admin;
  }

  /** Kafka reachability, checked in the background from start() to stop() (health probes read it). */
  get brokerStatus(): BrokerStatus {
    return this.brokers.status;
  }

  /** The events consumer's state; undefined until training starts consuming. */
  get eventsConsumerHealth(): ConsumerHealth | undefined {
    return this.eventsConsumer?.healthState;
  }

  /** Starts in the background (retrying while Kafka is unreachable); resolves when training has begun. */
  start(): Promise<void> {
    this.brokers.start();
    this.startup ??= this.startLoop();
    return this.startup;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    this.brokers.stop();
    // Let a start in progress notice and return (it checks between steps) before closing.
    await this.startup?.catch(() => undefined);
    clearInterval(this.timer);
    // Both consumers leave their groups concurrently (each may wait out a fetch in flight).
    await Promise.all([
      this.eventsConsumer?.stop().catch((e: unknown) => this.logger.warn('events consumer stop failed', { error: String(e) })),
      this.weightsReader?.stop().catch(() => undefined),
      this.currentRound,
    ]);
    await this.writer.disconnect().catch((e: unknown) => this.logger.warn('producer disconnect failed', { error: String(e) }));
    await this.admin.disconnect().catch(() => undefined);
    this.phaseValue = 'stopped';
  }

  private async startLoop(): Promise<void> {
    this.metrics.checkpointAge.set(-1);
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    try {
      await retryRetriable(() => this.connect(), {
        context: 'connect',
        maxDelayMs: 10_000,
        signal: this.abort.signal,
        onRetry: (e, retryInMs) => this.logger.warn('Kafka not reachable yet; retrying', { error: e.message, retryInMs }),
      });
    } catch (e) {
      return this.fail(e);
    }
    if (this.stopping) return;
    try {
      await this.load();
    } catch (e) {
      return this.fail(e);
    }
  }

  private async write(batches: readonly TopicMessages[]): Promise<void> {
    try {
      await this.writer.commit(batches, []);
    } catch (e) {
      if (e instanceof ProducerFencedError) this.fenced(e);
      throw e;
    }
  }

  /** Another trainer for this model started: stop training and say so (readiness, logs). */
  private fenced(e: ProducerFencedError): void {
    if (this.failure !== undefined) return;
    const c = this.config;
    this.failure = new Error(`another trainer took over model ${c.modelName} on ${c.modelWeights}; this one stopped training`, { cause: e });
    this.phaseValue = 'failed';
    this.logger.error('fenced by another trainer of the same model; training stopped', { model: c.modelName, topic: c.modelWeights, transactionalId: trainerTransactionalId(c) });
    void this.eventsConsumer?.stop().catch(() => undefined);
  }

  private fail(e: unknown): void {
    this.failure = e instanceof Error ? e : new Error(String(e));
    this.phaseValue = 'failed';
    this.logger.error('trainer failed to start', { error: this.failure.message });
  }

  private async connect(): Promise<void> {
    const c = this.config;
    if (c.createTopics) {
      const reports = await this.admin.ensureTopics([modelWeightsTopic(c, c.maxModelBytes), trainerCheckpointsTopic(c, c.maxModelBytes)], { signal: this.abort.signal });
      for (const r of reports) {
        if (r.created) this.logger.info('topic created', { topic: r.name, partitions: r.partitions });
        if (r.configDrift.length > 0) this.logger.warn('topic config differs from the expected one', { topic: r.name, drift: r.configDrift });
      }
    }
    await this.writer.connect();
  }

  private async load(): Promise<void> {
    const c = this.config;
    this.phaseValue = 'loading';
    // 1. The resume point: the newest checkpoint of this model.
    let checkpointBytes: Buffer | undefined;
    const checkpoints = new CompactedTopicReader(this.connection, this.admin, {
      topic: c.trainerCheckpoints,
      groupPrefix: `${c.groupId}.checkpoints`,
      maxRecordBytes: c.maxModelBytes,
      onRecord: (m) => {
        if (m.key?.toString() === c.modelName && m.value !== null) checkpointBytes = m.value;
      },
    });
    if (!(await checkpoints.isEmpty())) {
      await checkpoints.start();
      try {
        await checkpoints.catchUp(c.readTimeoutMs, () => this.stopping);
      } finally {
        await checkpoints.stop();
      }
    }
    if (this.stopping) return;
    let checkpoint: TrainerCheckpoint | undefined;
    if (checkpointBytes !== undefined) {
      try {
        checkpoint = decodeCheckpoint(checkpointBytes);
      } catch (e) {
        this.logger.error('ignoring an unreadable checkpoint; training resumes from the published head', { error: e instanceof Error ? e.message : String(e) });
      }
    }

    // 2. The head, followed from now on (imports and rollbacks become the new base).
    this.weightsReader = new CompactedTopicReader(this.connection, this.admin, {
      topic: c.modelWeights,
      groupPrefix: `${c.groupId}.weights`,
      maxRecordBytes: c.maxModelBytes,
      onRecord: (m) => this.onWeightsRecord(m),
    });
    await this.weightsReader.start();
    await this.weightsReader.catchUp(c.readTimeoutMs, () => this.stopping);
    if (this.stopping) return;

    // 3. Bootstrap when there is no model.
    if (this.trainer.head === null) {
      if (c.bootstrap === 'wait') {
        this.phaseValue = 'waiting-for-model';
        this.logger.info('no model on model.weights; waiting for one to be imported', { model: c.modelName, topic: c.modelWeights });
      } else {
        await this.bootstrap();
      }
    }
    if (checkpoint !== undefined) {
      if (checkpoint.modelName !== c.modelName) {
        this.logger.warn('checkpoint is for another model; ignored', { checkpointModel: checkpoint.modelName });
      } else {
        const how = this.trainer.restore(checkpoint);
        this.lastCheckpointAt = Date.parse(checkpoint.createdAt);
        this.logger.info(how === 'resumed' ? 'resumed from checkpoint' : 'checkpoint predates the head; resumed statistics and counters only', {
          checkpointHeadVersion: checkpoint.headVersion,
          headVersion: this.trainer.head?.version,
          counters: checkpoint.counters,
        });
      }
    }

    // 4. Learn from the stream.
    await this.startEventsConsumer();
    if (this.stopping) return;
    if (this.trainer.head !== null) this.phaseValue = 'training';
    else this.phaseValue = 'waiting-for-model';
    this.logger.info('trainer consuming events', { topic: c.events, groupId: c.groupId, model: c.modelName, version: this.trainer.head?.version });
  }

  /** The events topic belongs to ingest; until it exists (or while Kafka is away) keep retrying. */
  private async startEventsConsumer(): Promise<void> {
    const c = this.config;
    await retryRetriable(
      async () => {
        const consumer = this.connection.consumer({ groupId: c.groupId, topics: [c.events], fromBeginning: c.fromBeginning });
        try {
          await consumer.start((messages) => this.onEvents(messages));
        } catch (e) {
          await consumer.stop().catch(() => undefined);
          throw e;
        }
        this.eventsConsumer = consumer;
        if (this.phaseValue === 'waiting-for-events-topic') this.phaseValue = 'loading';
      },
      {
        context: 'consume events',
        maxDelayMs: 10_000,
        signal: this.abort.signal,
        onRetry: (e, retryInMs) => {
          if (this.phaseValue === 'loading') this.phaseValue = 'waiting-for-events-topic';
          this.logger.warn('cannot consume events yet; retrying', { topic: c.events, error: e.message, retryInMs });
        },
      },
    );
  }

  private async bootstrap(): Promise<void> {
    const c = this.config;
    const bundle = createBundle({
      name: c.modelName,
      spec: bootstrapSpec(c),
      init: { seed: c.seed },
      version: 1,
      parentVersion: null,
      metrics: {},
    });
    this.trainer.markOwn(1);
    const bytes = await publishBundle(this.records, c.modelWeights, bundle, c.maxModelBytes);
    this.trainer.adoptHead(bundle);
    this.metrics.publishedVersion.set(1);
    this.logger.info('bootstrapped the model: published version 1', { model: c.modelName, spec: bundle.spec, bytes: bytes.length });
  }

  private onWeightsRecord(m: ConsumedMessage): void {
    if (m.key?.toString() !== this.config.modelName || m.value === null) return;
    const record = readVersionRecord(m.offset, m.value);
    if (record.bundle === null) {
      this.logger.warn('ignoring an invalid bundle on model.weights', { offset: m.offset, error: record.error });
      return;
    }
    try {
      const how = this.trainer.adoptHead(record.bundle);
      if (how === 'ignored') return;
      this.metrics.publishedVersion.set(record.bundle.version);
      if (how === 'adopted') {
        this.logger.info('training from a version published elsewhere', { version: record.bundle.version, parentVersion: record.bundle.parentVersion });
        if (this.phaseValue === 'waiting-for-model') this.phaseValue = 'training';
      }
    } catch (e) {
      this.logger.error('cannot train this version', { version: record.bundle.version, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private onEvents(messages: readonly ConsumedMessage[]): Promise<void> {
    for (const m of messages) {
      let result: string;
      const event = parseEvent(m.value);
      if (event === null) result = 'malformed';
      else result = this.trainer.observe(event.stream, event.end ? null : event.values);
      this.metrics.events.inc({ result });
    }
    this.maybeStartRound();
    return Promise.resolve();
  }

  private tick(): void {
    this.metrics.streams.set(this.trainer.windows.streams);
    this.metrics.windowEvents.set(this.trainer.windows.events);
    this.metrics.checkpointAge.set(this.lastCheckpointAt === undefined ? -1 : (Date.now() - this.lastCheckpointAt) / 1000);
    this.maybeStartRound();
  }

  private maybeStartRound(): void {
    if (this.stopping || this.failure !== undefined || this.currentRound !== undefined || !this.trainer.isRoundDue()) return;
    this.currentRound = this.round().finally(() => {
      this.currentRound = undefined;
    });
  }

  private async round(): Promise<void> {
    let report: RoundReport;
    try {
      report = await this.trainer.runRound();
    } catch (e) {
      this.metrics.rounds.inc({ outcome: 'failed' });
      this.logger.error('training round failed', { error: e instanceof Error ? e.message : String(e) });
      return;
    }
    this.reports.push(report);
    if (this.reports.length > 100) this.reports.shift();
    const m = this.metrics;
    m.rounds.inc({ outcome: report.outcome });
    m.iterations.inc(report.iterations);
    m.updates.inc(report.updates);
    m.roundDuration.observe(report.durationMs / 1000);
    if (Number.isFinite(report.trainLoss)) m.trainLoss.set(report.trainLoss);
    if (Number.isFinite(report.validationLoss)) m.validationLoss.set({ model: 'candidate' }, report.validationLoss);
    if (Number.isFinite(report.currentLoss)) m.validationLoss.set({ model: 'current' }, report.currentLoss);
    if (report.outcome === 'published') m.published.inc();
    if (report.outcome === 'rejected') m.rejected.inc();
    // Counted here, not from the trainer's own streak, which restarts when it reverts to the head.
    if (report.outcome === 'published') this.rejectionsSincePublish = 0;
    if (report.outcome === 'rejected') this.rejectionsSincePublish += 1;
    m.rejectionsSincePublish.set(this.rejectionsSincePublish);
    if (this.trainer.head !== null) m.publishedVersion.set(this.trainer.head.version);
    if (report.quality !== undefined) {
      for (const [model, q] of [['candidate', report.quality.candidate], ['serving', report.quality.serving]] as const) {
        if (Number.isFinite(q.medianRatio)) m.errorRatio.set({ model, baseline: 'last_value', stat: 'median' }, q.medianRatio);
        if (Number.isFinite(q.p90Ratio)) m.errorRatio.set({ model, baseline: 'last_value', stat: 'p90' }, q.p90Ratio);
        if (q.seasonalMedianRatio !== null) m.errorRatio.set({ model, baseline: 'seasonal_naive', stat: 'median' }, q.seasonalMedianRatio);
      }
    }
    if (report.checkpointError === undefined) {
      m.checkpoints.inc({ result: 'ok' });
    } else {
      m.checkpoints.inc({ result: 'failed' });
      this.logger.warn('checkpoint failed', { error: report.checkpointError.message });
    }
    const fields = {
      outcome: report.outcome,
      reason: report.reason,
      iterations: report.iterations,
      updates: report.updates,
      trainLoss: report.trainLoss,
      candidateLoss: report.validationLoss,
      currentLoss: report.currentLoss,
      worseThanLastValueShare: report.quality?.candidate.worseShare,
      validationStreams: report.validationStreams,
      version: report.version,
      headVersion: this.trainer.head?.version,
      durationMs: report.durationMs,
    };
    if (report.outcome === 'failed') this.logger.error('training round failed', fields);
    else if (report.outcome === 'rejected') this.logger.info('candidate rejected', fields);
    else this.logger.info(report.outcome === 'published' ? 'candidate published' : 'training round skipped', fields);
  }

  private async writeCheckpoint(c: TrainerCheckpoint): Promise<void> {
    const bytes = encodeCheckpoint(c);
    checkSize(`checkpoint of ${c.modelName}`, bytes, this.config.maxModelBytes);
    await this.records.send([{ topic: this.config.trainerCheckpoints, messages: [{ key: c.modelName, value: bytes }] }]);
    this.lastCheckpointAt = Date.now();
  }
}

interface ParsedEvent {
  readonly stream: string;
  readonly values: readonly number[];
  readonly end: boolean;
}

/** Event v1 JSON (ingest validated it; anything unreadable is counted and skipped, never fatal). */
export function parseEvent(value: Buffer | null): ParsedEvent | null {
  if (value === null) return null;
  try {
    const e = JSON.parse(value.toString('utf8')) as { stream?: unknown; values?: unknown; end?: unknown };
    if (typeof e.stream !== 'string' || e.stream === '') return null;
    const end = e.end === true;
    if (end) return { stream: e.stream, values: [], end };
    if (!Array.isArray(e.values) || !e.values.every((v) => typeof v === 'number')) return null;
    return { stream: e.stream, values: e.values, end };
  } catch {
    return null;
  }
}

/** For the CLI and tests: the size a bootstrapped bundle will have is checked before anything is published. */
export function bootstrapBundle(config: TrainerConfig): WeightsBundle {
  return createBundle({ name: config.modelName, spec: bootstrapSpec(config), init: { seed: config.seed } });
}
