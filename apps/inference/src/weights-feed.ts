import { defaultMaxModelBytes } from '@streamcell/events';
import type { KafkaAdmin, KafkaConnection } from '@streamcell/kafka';
import type { WeightsBundle } from '@streamcell/model';
import type { JsonLogger } from '@streamcell/observability';
import { localPublisher, ModelRegistry } from '@streamcell/registry';

export interface WeightsFeedOptions {
  readonly topic: string;
  readonly modelName: string;
  readonly groupPrefix: string;
  /** Largest bundle expected (the fetch size must carry one); default MODEL_MAX_BYTES's default. */
  readonly maxModelBytes?: number;
  /** Longest wait to read model.weights to its end at start (ms); default 30 s. */
  readonly readTimeoutMs?: number;
}

/**
 * Inference's view of the model registry (libs/registry), the same one the trainer and the CLI
 * use: it follows model.weights (every version of the served model, per-version and legacy keys)
 * and hands the head — the operator's pin, or else the highest valid version — to `onBundle`
 * whenever it changes, between batches. A record that fails validation (checksum, shapes,
 * finiteness, format, a name or version its key contradicts) is refused — counted and logged —
 * and never becomes the head, so a garbage record written last leaves the newest valid version
 * serving, even after compaction and a restart.
 */
export class WeightsFeed {
  private readonly registry: ModelRegistry;
  private closed = false;

  constructor(
    connection: KafkaConnection,
    admin: KafkaAdmin,
    options: WeightsFeedOptions,
    onBundle: (bundle: WeightsBundle) => Promise<void>,
    onRefused: (error: Error, offset: string) => void,
    logger: JsonLogger,
  ) {
    this.registry = new ModelRegistry(
      connection,
      admin,
      {
        topic: options.topic,
        model: options.modelName,
        maxModelBytes: options.maxModelBytes ?? defaultMaxModelBytes,
        readTimeoutMs: options.readTimeoutMs ?? 30_000,
        groupPrefix: `${options.groupPrefix}.weights`,
        // Inference never publishes; the registry needs a name for writers all the same.
        publisher: localPublisher('inference'),
      },
      {
        onHead: (bundle) => onBundle(bundle),
        onInvalid: (p) => {
          logger.warn('refused weights bundle', { topic: options.topic, offset: p.offset, version: p.version, error: p.error, kind: p.kind });
          const error = new Error(p.error);
          error.name = p.kind;
          onRefused(error, p.offset);
        },
      },
    );
  }

  /** The head version served (0 before the first). */
  get version(): number {
    return this.registry.head?.version ?? 0;
  }

  /** Follows model.weights; resolves once it was read to its end (the head, if any, applied). */
  async start(): Promise<void> {
    if (this.closed) return;
    await this.registry.start(() => this.closed);
    // stop() may have run while the follower was joining: it must not outlive the feed.
    if (this.closed) await this.registry.stop();
  }

  get crashError(): Error | undefined {
    return this.registry.crashError;
  }

  async stop(): Promise<void> {
    this.closed = true;
    // Leaves the follower's private group and deletes it (no clutter behind).
    await this.registry.stop();
  }
}
