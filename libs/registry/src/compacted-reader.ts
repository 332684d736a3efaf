import { randomUUID } from 'node:crypto';
import type { BatchConsumer, ConsumedMessage, KafkaAdmin, KafkaConnection } from '@streamcell/kafka';

export interface CompactedReaderOptions {
  readonly topic: string;
  /** Prefix of the reader's throw-away consumer group (a random suffix makes it private). */
  readonly groupPrefix: string;
  /** Largest record expected (the model size limit), so fetches can carry one. */
  readonly maxRecordBytes: number;
  /** Called with each fetched batch, in log order; the next batch waits for it. */
  readonly onRecords: (messages: readonly ConsumedMessage[]) => Promise<void> | void;
}

/**
 * Reads a compacted topic (model.weights, trainer.checkpoints) from its beginning, then keeps
 * following it. kafkajs has no group-less manual assignment, so the reader joins a consumer group
 * of its own (random id, starting from the earliest offset): every reader sees the whole topic,
 * independently of any other. `catchUp` waits until everything written before the call has been
 * seen, which is how "the current head" is known at start.
 *
 * The throw-away group is deleted on stop (a crashed process leaves it to expire with the broker's
 * offsets.retention.minutes).
 */
export class CompactedTopicReader {
  private consumer: BatchConsumer | undefined;
  private groupId: string | undefined;
  private readonly seen = new Map<number, bigint>();
  private started = false;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly admin: KafkaAdmin,
    private readonly options: CompactedReaderOptions,
  ) {}

  get crashError(): Error | undefined {
    return this.consumer?.crashError;
  }

  /** Joins a fresh private group and starts reading; a failed start can be retried. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.groupId = `${this.options.groupPrefix}.${randomUUID()}`;
    const consumer = this.connection.consumer({
      groupId: this.groupId,
      topics: [this.options.topic],
      fromBeginning: true,
      readCommitted: true,
      maxBytesPerPartition: Math.max(this.options.maxRecordBytes + 65_536, 1_048_576),
    });
    this.consumer = consumer;
    // Progress comes from the batch ends, not the last record: the trainer writes in transactions,
    // so a partition's last offset is a commit marker that no handler ever receives.
    consumer.onBatchEnd((_topic, partition, lastOffset) => {
      const offset = BigInt(lastOffset);
      if ((this.seen.get(partition) ?? -1n) < offset) this.seen.set(partition, offset);
    });
    try {
      await consumer.start(async (messages) => {
        await this.options.onRecords(messages);
      });
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** True when the topic holds no record at all (nothing to read: no need to join a group). */
  async isEmpty(): Promise<boolean> {
    const ends = await this.admin.endOffsets(this.options.topic);
    return [...ends.values()].every((end) => end === 0n);
  }

  /** Resolves once every record written before this call has been handed to onRecord. */
  async catchUp(timeoutMs: number, cancelled: () => boolean = () => false): Promise<void> {
    const ends = await this.admin.endOffsets(this.options.topic);
    const deadline = Date.now() + timeoutMs;
    const behind = (): string[] =>
      [...ends].filter(([p, end]) => end > 0n && (this.seen.get(p) ?? -1n) < end - 1n).map(([p, end]) => `partition ${p}: at ${this.seen.get(p) ?? -1n} of ${end - 1n}`);
    for (;;) {
      const lag = behind();
      if (lag.length === 0 || cancelled()) return;
      const crashed = this.consumer?.crashError;
      if (crashed !== undefined) throw crashed;
      if (Date.now() > deadline) throw new Error(`could not read ${this.options.topic} to its end within ${timeoutMs} ms (${lag.join('; ')})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.consumer?.stop();
    // The group exists only for this reader; leave no clutter behind (best effort: the broker
    // expires it anyway).
    if (this.groupId !== undefined) await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
  }
}
