import { randomUUID } from 'node:crypto';
import type { BatchConsumer, KafkaAdmin, KafkaConnection } from '@streamcell/kafka';
import { decodeBundle, type WeightsBundle } from '@streamcell/model';
import type { JsonLogger } from '@streamcell/observability';

/**
 * Follows `model.weights` (compacted, key = model name) and hands every new version of the served
 * model to `onBundle`, between batches. Each worker reads the whole topic in a group of its own:
 * every worker needs every version. A bundle that fails decoding (checksum, shapes, finiteness,
 * format) is refused — counted and logged — and the current model keeps serving.
 */
export class WeightsFeed {
  private consumer: BatchConsumer | undefined;
  private readonly groupId: string;
  private current = 0;
  private closed = false;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly admin: KafkaAdmin,
    private readonly options: { topic: string; modelName: string; groupPrefix: string },
    private readonly onBundle: (bundle: WeightsBundle) => Promise<void>,
    private readonly onRefused: (error: Error, offset: string) => void,
    private readonly logger: JsonLogger,
  ) {
    this.groupId = `${options.groupPrefix}.weights.${randomUUID()}`;
  }

  get version(): number {
    return this.current;
  }

  async start(): Promise<void> {
    if (this.closed) return;
    // A retried start replaces the consumer of the failed attempt.
    await this.consumer?.stop().catch(() => undefined);
    this.consumer = this.connection.consumer({ groupId: this.groupId, topics: [this.options.topic], fromBeginning: true });
    await this.consumer.start(async (messages) => {
      let newest: WeightsBundle | undefined;
      for (const m of messages) {
        if (m.key?.toString() !== this.options.modelName || m.value === null) continue;
        try {
          const bundle = decodeBundle(m.value);
          if (bundle.name !== this.options.modelName) throw new Error(`bundle is for model ${JSON.stringify(bundle.name)}, keyed ${JSON.stringify(this.options.modelName)}`);
          if (bundle.version > (newest?.version ?? this.current)) newest = bundle;
        } catch (e) {
          const error = e instanceof Error ? e : new Error(String(e));
          this.logger.warn('refused weights bundle', { topic: this.options.topic, offset: m.offset, error: error.message, kind: error.name });
          this.onRefused(error, m.offset);
        }
      }
      if (newest !== undefined) {
        await this.onBundle(newest);
        this.current = newest.version;
      }
    });
    // stop() may have run while the consumer was joining: it must not outlive the feed.
    if (this.closed) await this.consumer.stop().catch(() => undefined);
  }

  get crashError(): Error | undefined {
    return this.consumer?.crashError;
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.consumer?.stop();
    // The group exists only for this process; leave no clutter behind.
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
  }
}
