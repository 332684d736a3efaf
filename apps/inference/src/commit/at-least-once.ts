import { MAX_REQUEST_BYTES, splitByBytes, type KafkaConnection, type KafkaProducer } from '@streamcell/kafka';
import type { CommitSnapshot } from '../partition-task';
import type { Guarantee, PartitionCommitter } from './committer';

/** Commits the consumer offset of `events` (the group's consumer). */
export type OffsetCommit = (offsets: readonly { topic: string; partition: number; offset: string }[]) => Promise<void>;

/**
 * At-least-once: after every batch, the outputs are produced (acknowledged by all in-sync
 * replicas), then the offset is committed through the group. A crash between the two re-processes
 * the batch: duplicates, never losses.
 */
export class AtLeastOnce implements Guarantee {
  readonly onInterval = false;
  private producer: KafkaProducer | undefined;
  /** Offsets waiting for the next group commit, and its result. */
  private offsets: { topic: string; partition: number; offset: string }[] = [];
  private nextCommit: Promise<void> | undefined;

  constructor(
    private readonly connection: Pick<KafkaConnection, 'producer'>,
    private readonly events: string,
    private readonly commitOffsets: OffsetCommit,
  ) {}

  async start(): Promise<void> {
    if (this.producer !== undefined) return;
    const producer = this.connection.producer({ maxQueuedMessages: 1_000_000, ackTimeoutMs: 30_000, maxBatchBytes: MAX_REQUEST_BYTES });
    await producer.connect();
    this.producer = producer;
  }

  async stop(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }

  /**
   * One group commit for the offsets of every partition whose produce was acknowledged in the same
   * tick (the produces themselves share requests in KafkaProducer): at a few events per batch, an
   * offset commit per partition per batch was most of the requests. A partition has one write on
   * the wire at a time, so a commit never holds two offsets of one partition.
   */
  private commitOffset(o: { topic: string; partition: number; offset: string }): Promise<void> {
    this.offsets.push(o);
    this.nextCommit ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        const batch = this.offsets;
        this.offsets = [];
        this.nextCommit = undefined;
        this.commitOffsets(batch).then(resolve, reject);
      });
    });
    return this.nextCommit;
  }

  committer(partition: number): PartitionCommitter {
    return {
      open: () => Promise.resolve(),
      write: async (s: CommitSnapshot) => {
        if (this.producer === undefined) throw new Error('at-least-once producer not started');
        // In order, one request per group: a partition's batch must stay under the broker's limit.
        for (const group of splitByBytes(s.records, MAX_REQUEST_BYTES)) await this.producer.send(group);
        await this.commitOffset({ topic: this.events, partition, offset: s.nextOffset });
      },
      close: () => Promise.resolve(),
    };
  }
}
