import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { KafkaError, kafkaErrorType, toKafkaError } from './errors';
import type { TopicMessages } from './message';
import { toKafkaMessage } from './producer';

export interface TransactionalProducerOptions {
  /** Stable per unit of work (e.g. group + input partition): a new owner's producer fences the old one. */
  readonly transactionalId: string;
  /** The broker aborts a transaction left open this long (e.g. by a killed process). Default 10 s. */
  readonly transactionTimeoutMs?: number;
}

export interface ConsumedOffsets {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** The next offset to consume (last processed + 1). */
  readonly offset: string;
}

/** Another producer with the same transactional id took over; this one must stop writing. */
export class ProducerFencedError extends KafkaError {
  override readonly name = 'ProducerFencedError';
  constructor(transactionalId: string, options?: { cause?: unknown }) {
    super(`producer ${transactionalId} was fenced by a newer instance`, false, options);
  }
}

const fencedTypes = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

/**
 * Writes records and consumed offsets atomically (Kafka transactions): `read_committed` readers see
 * all of a commit or none of it, and the offsets move only with the outputs they produced.
 *
 * Zombie fencing: kafkajs has no consumer-group-aware fencing (KIP-447), so the transactional id
 * must be tied to the input partition (Kafka Streams' "EOS v1" layout). When a partition moves to
 * another worker, that worker's `connect()` bumps the producer epoch for the id, which aborts
 * this producer's open transaction and makes its next commit fail with ProducerFencedError.
 */
export class TransactionalProducer {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    readonly options: TransactionalProducerOptions,
  ) {
    this.producer = kafka.producer({
      transactionalId: options.transactionalId,
      transactionTimeout: options.transactionTimeoutMs ?? 10_000,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Connects and registers the transactional id (fencing any older producer with it). */
  async connect(): Promise<void> {
    try {
      await this.producer.connect();
      // kafkajs initialises the transactional producer id lazily; a no-op transaction forces it
      // now, so fencing happens before the caller reads any state.
      const txn = await this.producer.transaction();
      await txn.abort();
    } catch (e) {
      throw this.wrap(e, 'transactional producer connect');
    }
  }

  /** One transaction: every record plus the consumed offsets; aborts and throws on any failure. */
  async commit(records: readonly TopicMessages[], offsets: readonly ConsumedOffsets[]): Promise<void> {
    let txn;
    try {
      txn = await this.producer.transaction();
    } catch (e) {
      throw this.wrap(e, 'begin transaction');
    }
    try {
      const topicMessages = records.filter((r) => r.messages.length > 0).map((r) => ({ topic: r.topic, messages: r.messages.map(toKafkaMessage) }));
      if (topicMessages.length > 0) await txn.sendBatch({ topicMessages, acks: -1 });
      for (const o of offsets) {
        await txn.sendOffsets({ consumerGroupId: o.groupId, topics: [{ topic: o.topic, partitions: [{ partition: o.partition, offset: o.offset }] }] });
      }
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => undefined);
      throw this.wrap(e, 'commit transaction');
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  private wrap(e: unknown, context: string): KafkaError {
    const type = kafkaErrorType(e);
    if (type !== undefined && fencedTypes.has(type)) return new ProducerFencedError(this.options.transactionalId, { cause: e });
    return toKafkaError(e, `${context} (${this.options.transactionalId})`);
  }
}
