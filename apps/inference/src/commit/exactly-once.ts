import type { KafkaConnection, TransactionalProducer } from '@streamcell/kafka';
import type { CommitSnapshot } from '../partition-task';
import type { Guarantee, PartitionCommitter } from './committer';

export interface ExactlyOnceOptions {
  readonly groupId: string;
  readonly events: string;
  readonly transactionTimeoutMs: number;
}

/**
 * Exactly-once: every commit is one Kafka transaction with the partition's outputs, changed states
 * and the consumer offset, under a transactional id per input partition (`<group>.<events>.<p>`),
 * so whichever worker owns the partition next fences this one.
 */
export class ExactlyOnce implements Guarantee {
  readonly onInterval = true;

  constructor(
    private readonly connection: Pick<KafkaConnection, 'transactionalProducer'>,
    private readonly options: ExactlyOnceOptions,
  ) {}

  committer(partition: number): PartitionCommitter {
    return new TransactionCommitter(this.connection, this.options, partition);
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}

class TransactionCommitter implements PartitionCommitter {
  private producer: TransactionalProducer | undefined;
  /** Bumped by every open and close: an open that a close overtook must not keep its producer. */
  private generation = 0;

  constructor(
    private readonly connection: Pick<KafkaConnection, 'transactionalProducer'>,
    private readonly options: ExactlyOnceOptions,
    private readonly partition: number,
  ) {}

  async open(): Promise<void> {
    await this.close();
    const producer = this.connection.transactionalProducer({
      transactionalId: `${this.options.groupId}.${this.options.events}.${this.partition}`,
      transactionTimeoutMs: this.options.transactionTimeoutMs,
    });
    const mine = ++this.generation;
    await producer.connect();
    if (mine !== this.generation) {
      // Closed while connecting (the partition was revoked during its initialisation).
      await producer.disconnect().catch(() => undefined);
      return;
    }
    this.producer = producer;
  }

  async write(s: CommitSnapshot): Promise<void> {
    if (this.producer === undefined) throw new Error(`partition ${this.partition}: committer not open`);
    await this.producer.commit(s.records, [{ groupId: this.options.groupId, topic: this.options.events, partition: this.partition, offset: s.nextOffset }]);
  }

  async close(): Promise<void> {
    this.generation += 1;
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }
}
