import { StreamingModel, type EngineConfig, type WeightsBundle } from '@streamcell/model';
import type { JsonLogger } from '@streamcell/observability';
import { BatchProcessor } from './batch-processor';
import type { InferenceMetrics } from './inference.metrics';
import type { AlertRule } from './residual-detector';
import type { StepScheduler } from './step-scheduler';
import type { StreamStore } from './stream-store';

export interface ModelHostOptions {
  readonly engine: EngineConfig;
  readonly capacity: number;
  readonly idleTimeoutMs: number;
  readonly alertRule: AlertRule;
  /** The events topic (dead-letter headers name it). */
  readonly events: string;
}

export interface ModelHostHooks {
  /** The first model is loaded: consumption can start. */
  readonly onFirstModel: () => void;
  /** A swap changed the architecture: every stream state was dropped (runners forget their streams). */
  readonly onStatesReset: () => void;
  /** Partitions of the events topic, once known (for the misrouting check). */
  readonly partitionCount: () => number | undefined;
}

/**
 * The served model: compiles the first weights bundle, swaps later ones in between steps (through
 * the step scheduler), and refuses a bundle that cannot be compiled while the current one keeps
 * serving. Owns the batch processor, which needs the model's input width.
 */
export class ModelHost {
  private model: StreamingModel | undefined;
  private batchProcessor: BatchProcessor | undefined;

  constructor(
    private readonly options: ModelHostOptions,
    private readonly store: StreamStore,
    private readonly scheduler: StepScheduler,
    private readonly metrics: InferenceMetrics,
    private readonly logger: JsonLogger,
    private readonly hooks: ModelHostHooks,
  ) {}

  get version(): number {
    return this.model?.bundle.version ?? 0;
  }

  get loaded(): boolean {
    return this.model !== undefined;
  }

  /** The model; throws before the first bundle (nothing processes before it). */
  readonly current = (): StreamingModel => {
    if (this.model === undefined) throw new Error('no model loaded');
    return this.model;
  };

  readonly processor = (): BatchProcessor => {
    if (this.batchProcessor === undefined) throw new Error('no model loaded');
    return this.batchProcessor;
  };

  /** First bundle: compile and start consuming. Later ones: swap between steps. */
  readonly apply = async (bundle: WeightsBundle): Promise<void> => {
    try {
      if (this.model === undefined) await this.load(bundle);
      else await this.swap(this.model, bundle);
    } catch (e) {
      // A bundle that decodes but cannot be compiled or swapped is refused like a corrupt one.
      this.metrics.weightsRefused.inc({ error: e instanceof Error ? e.name : 'Error' });
      this.logger.error('could not load weights bundle; keeping the current model', { version: bundle.version, error: String(e) });
    }
  };

  /** Evicts idle streams from the engine table, between steps. */
  evictIdle(now: number): Promise<void> {
    const model = this.model;
    if (model === undefined) return Promise.resolve();
    return this.scheduler.exclusive(() => {
      model.evictIdle(now);
      return Promise.resolve();
    });
  }

  async dispose(): Promise<void> {
    await this.model?.dispose();
  }

  private async load(bundle: WeightsBundle): Promise<void> {
    const o = this.options;
    this.model = await StreamingModel.create({ bundle, engine: o.engine, capacity: o.capacity, idleTimeoutMs: o.idleTimeoutMs, onEvict: this.store.evict });
    this.store.attach(this.model);
    this.batchProcessor = new BatchProcessor(this.store, this.scheduler, this.current, o.alertRule, this.metrics, o.events, this.hooks.partitionCount);
    this.logger.info('model loaded', { name: bundle.name, version: bundle.version, engine: this.model.engine, cell: bundle.spec.cell });
    this.metrics.modelVersion.set(bundle.version);
    this.hooks.onFirstModel();
  }

  private swap(model: StreamingModel, bundle: WeightsBundle): Promise<void> {
    return this.scheduler.exclusive(async () => {
      const { statesKept } = await model.swapWeights(bundle);
      if (!statesKept) {
        this.store.clear();
        this.hooks.onStatesReset();
        this.metrics.stateResets.inc();
        this.logger.warn('model architecture changed: all stream states reset', { version: bundle.version });
      }
      this.metrics.modelVersion.set(bundle.version);
      this.logger.info('model swapped', { name: bundle.name, version: bundle.version, statesKept });
    });
  }
}
