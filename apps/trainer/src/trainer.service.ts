import { checkpointMaxBytes, modelWeightsTopic, trainerCheckpointsTopic } from '@streamcell/events';
import { KafkaConnection, ProducerFencedError, retryRetriable, startupRetryLog, type BrokerStatus, type BrokerWatch, type ConsumerHealth, type KafkaAdmin, type TransactionalProducer } from '@streamcell/kafka';
import type { JsonLogger } from '@streamcell/observability';
import { localPublisher, ModelRegistry } from '@streamcell/registry';
import type { TrainerConfig } from './config';
import { EventsIntake } from './events-intake';
import { bootstrapBundle } from './model-ops/bootstrap';
import { CheckpointStore, trainerTransactionalId } from './model-ops/checkpoint-store';
import { TrainerModel } from './model-ops/trainer-model';
import { RoundReporter } from './round-reporter';
import { RoundScheduler } from './round-scheduler';
import type { TrainerCheckpoint } from './training/checkpoint';
import { OnlineTrainer, type RoundReport } from './training/online-trainer';
import type { TrainerMetrics } from './trainer.metrics';

export { bootstrapBundle, bootstrapSpec } from './model-ops/bootstrap';
export { trainerTransactionalId } from './model-ops/checkpoint-store';

export type TrainerPhase = 'connecting' | 'loading' | 'waiting-for-events-topic' | 'waiting-for-model' | 'training' | 'stopped' | 'failed';

/**
 * The trainer's start-up and shutdown around its parts: the OnlineTrainer loop (training/), the
 * model registry's head and publications (TrainerModel), checkpoints (CheckpointStore), the
 * events consumer (EventsIntake), round scheduling (RoundScheduler) and reporting (RoundReporter).
 *
 * start = topics → resume point (trainer.checkpoints) → head (model.weights, followed from then on)
 * → bootstrap v1 if there is none → consume `events`. stop() ends consumption, lets a running
 * round finish (it checkpoints), then closes the writers. Events live only in memory: after a
 * restart the windows refill from the group's committed offsets on, while the weights, Adam state,
 * statistics and counters come back from the checkpoint.
 */
export class TrainerService {
  readonly trainer: OnlineTrainer;
  private readonly connection: KafkaConnection;
  /** Checkpoints (and the ownership check before publishing) go under the trainer's id. */
  private readonly writer: TransactionalProducer;
  private readonly admin: KafkaAdmin;
  private readonly brokers: BrokerWatch;
  private readonly checkpoints: CheckpointStore;
  private readonly model: TrainerModel;
  private readonly registry: ModelRegistry;
  private readonly intake: EventsIntake;
  private readonly scheduler: RoundScheduler;
  private readonly reporter: RoundReporter;
  private lastCheckpointAt: number | undefined;
  /** The head version the newest checkpoint descends from: retention keeps it. */
  private checkpointBase: number | undefined;
  private stopping = false;
  private readonly abort = new AbortController();
  private startup: Promise<void> | undefined;
  private phaseValue: TrainerPhase = 'connecting';
  private failure: Error | undefined;

  constructor(
    private readonly config: TrainerConfig,
    private readonly metrics: TrainerMetrics,
    private readonly logger: JsonLogger,
  ) {
    this.connection = new KafkaConnection(config, logger, 'trainer');
    // One transactional id per model and weights topic: a second trainer for the same model fences
    // this one when it connects, and this one's next write fails instead of training on (see
    // fenced()). Deployments use Recreate; this also holds when two trainers are started by mistake.
    this.writer = this.connection.transactionalProducer({ transactionalId: trainerTransactionalId(config), transactionTimeoutMs: 60_000 });
    this.admin = this.connection.admin();
    this.brokers = this.admin.watch();
    this.checkpoints = new CheckpointStore(this.connection, this.admin, this.writer, config);
    this.trainer = new OnlineTrainer(config, {
      publish: async (candidate, base) => {
        await this.owned(() => this.checkpoints.confirmOwnership());
        return this.model.publishCandidate(candidate, base, this.checkpointBase === undefined ? [] : [this.checkpointBase]);
      },
      checkpoint: (c) => this.owned(() => this.writeCheckpoint(c)),
      yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)),
    });
    this.model = new TrainerModel(this.trainer, logger, (version, adopted) => {
      this.metrics.publishedVersion.set(version);
      if (adopted && this.phaseValue === 'waiting-for-model') this.phaseValue = 'training';
    });
    this.registry = new ModelRegistry(
      this.connection,
      this.admin,
      {
        topic: config.modelWeights,
        model: config.modelName,
        maxModelBytes: config.maxModelBytes,
        readTimeoutMs: config.readTimeoutMs,
        groupPrefix: `${config.groupId}.weights`,
        publisher: localPublisher('trainer'),
      },
      this.model.listener,
    );
    this.model.attach(this.registry);
    this.intake = new EventsIntake(this.connection, config, this.trainer, metrics, logger);
    this.reporter = new RoundReporter(metrics, logger);
    this.scheduler = new RoundScheduler(
      () => !this.stopping && this.failure === undefined && this.trainer.isRoundDue(),
      () => this.round(),
      () => this.updateGauges(),
    );
  }

  get phase(): TrainerPhase {
    return this.phaseValue;
  }

  /** Every round's report, newest last (bounded), for logs and tests. */
  get reports(): readonly RoundReport[] {
    return this.reporter.reports;
  }

  get failedWith(): Error | undefined {
    return this.failure ?? this.intake.crashError ?? this.registry.crashError;
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
    return this.intake.health;
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
    // The round in progress may still publish: the registry stops after it. The events consumer
    // leaves its group meanwhile (it may wait out a fetch in flight).
    await Promise.all([this.intake.stop(), this.scheduler.stop()]);
    await this.registry.stop();
    await this.writer.disconnect().catch((e: unknown) => this.logger.warn('producer disconnect failed', { error: String(e) }));
    await this.admin.disconnect().catch(() => undefined);
    this.phaseValue = 'stopped';
  }

  private async startLoop(): Promise<void> {
    this.metrics.checkpointAge.set(-1);
    this.scheduler.start();
    try {
      await retryRetriable(() => this.connect(), {
        context: 'connect',
        maxDelayMs: 10_000,
        signal: this.abort.signal,
        onRetry: startupRetryLog(this.logger, 'Kafka not reachable yet; retrying'),
      });
      if (this.stopping) return;
      // Every step of loading reads or writes Kafka, and a broker restart right after connecting
      // must not stop the trainer for good (liveness stays up: nothing would restart it). Each
      // step is safe to repeat: a fresh checkpoint read, the registry's start, a bootstrap only
      // while there is no head.
      await retryRetriable(() => this.load(), {
        context: 'load',
        maxDelayMs: 10_000,
        signal: this.abort.signal,
        onRetry: startupRetryLog(this.logger, 'trainer could not load yet; retrying'),
      });
    } catch (e) {
      this.fail(e);
    }
  }

  /** Runs a write under the trainer's id; being fenced there means another trainer took over. */
  private async owned(write: () => Promise<void>): Promise<void> {
    try {
      await write();
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
    void this.intake.stop();
  }

  private fail(e: unknown): void {
    this.failure = e instanceof Error ? e : new Error(String(e));
    this.phaseValue = 'failed';
    this.logger.error('trainer failed to start', { error: this.failure.message });
  }

  private async connect(): Promise<void> {
    const c = this.config;
    if (c.createTopics) {
      const reports = await this.admin.ensureTopics([modelWeightsTopic(c, c.maxModelBytes), trainerCheckpointsTopic(c, checkpointMaxBytes(c.maxModelBytes))], { signal: this.abort.signal });
      for (const r of reports) {
        if (r.created) this.logger.info('topic created', { topic: r.name, partitions: r.partitions });
        if (r.configDrift.length > 0) this.logger.warn('topic config differs from the expected one', { topic: r.name, drift: r.configDrift });
      }
    }
    await this.writer.connect();
  }

  private async load(): Promise<void> {
    const c = this.config;
    const cancelled = (): boolean => this.stopping;
    this.phaseValue = 'loading';
    // 1. The resume point: the newest checkpoint of this model.
    const bytes = await this.checkpoints.readNewest(cancelled);
    if (this.stopping) return;
    const checkpoint =
      bytes === undefined
        ? undefined
        : CheckpointStore.decode(bytes, (error) => this.logger.error('ignoring an unreadable checkpoint; training resumes from the published head', { error }));
    if (checkpoint !== undefined) this.checkpointBase = checkpoint.headVersion;

    // 2. The head, followed from now on (imports, rollbacks and pins become the new base).
    await this.registry.start(cancelled);
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
    if (checkpoint !== undefined) this.resume(checkpoint);

    // 4. Learn from the stream.
    await this.intake.start(
      this.abort.signal,
      () => this.scheduler.poke(),
      (waiting) => {
        if (waiting && this.phaseValue === 'loading') this.phaseValue = 'waiting-for-events-topic';
        if (!waiting && this.phaseValue === 'waiting-for-events-topic') this.phaseValue = 'loading';
      },
    );
    if (this.stopping) return;
    this.phaseValue = this.trainer.head !== null ? 'training' : 'waiting-for-model';
    this.logger.info('trainer consuming events', { topic: c.events, groupId: c.groupId, model: c.modelName, version: this.trainer.head?.version });
  }

  private resume(checkpoint: TrainerCheckpoint): void {
    if (checkpoint.modelName !== this.config.modelName) {
      this.logger.warn('checkpoint is for another model; ignored', { checkpointModel: checkpoint.modelName });
      return;
    }
    const how = this.trainer.restore(checkpoint);
    this.lastCheckpointAt = Date.parse(checkpoint.createdAt);
    this.logger.info(how === 'resumed' ? 'resumed from checkpoint' : 'checkpoint predates the head; resumed statistics and counters only', {
      checkpointHeadVersion: checkpoint.headVersion,
      headVersion: this.trainer.head?.version,
      counters: checkpoint.counters,
    });
  }

  private async bootstrap(): Promise<void> {
    const c = this.config;
    const published = await this.model.bootstrap(bootstrapBundle(c));
    if (published === null) {
      this.logger.info('a version appeared while bootstrapping; training from it', { model: c.modelName, version: this.trainer.head?.version });
      return;
    }
    this.metrics.publishedVersion.set(published.version);
    this.logger.info(`bootstrapped the model: published version ${published.version}`, { model: c.modelName, spec: published.spec });
  }

  private updateGauges(): void {
    this.metrics.streams.set(this.trainer.windows.streams);
    this.metrics.windowEvents.set(this.trainer.windows.events);
    this.metrics.checkpointAge.set(this.lastCheckpointAt === undefined ? -1 : (Date.now() - this.lastCheckpointAt) / 1000);
  }

  private async round(): Promise<void> {
    try {
      const report = await this.trainer.runRound();
      this.reporter.record(report, this.trainer.head?.version);
    } catch (e) {
      this.reporter.crashed(e);
    }
  }

  private async writeCheckpoint(c: TrainerCheckpoint): Promise<void> {
    await this.checkpoints.write(c);
    this.lastCheckpointAt = Date.now();
    this.checkpointBase = c.headVersion;
  }
}
