import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { KafkaError, kafkaErrorType, toKafkaError } from './errors';
import { MAX_REQUEST_BYTES, splitByBytes, type TopicMessages } from './message';
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
  private producer: Producer;
  /** A transaction failed: take a new epoch before the next one (see commit). */
  private renewBeforeNextCommit = false;

  constructor(
    private readonly kafka: Kafka,
    readonly options: TransactionalProducerOptions,
  ) {
    this.producer = this.createProducer();
  }

  private createProducer(): Producer {
    const options = this.options;
    return this.kafka.producer({
      transactionalId: options.transactionalId,
      transactionTimeout: options.transactionTimeoutMs ?? 10_000,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // The first send of a transaction that starts right after the previous commit is answered
      // CONCURRENT_TRANSACTIONS until the coordinator has written the commit markers, usually a
      // few milliseconds. kafkajs's default first retry waits ~300 ms, which every pipelined
      // commit paid; the Java client retries this case after 20 ms (KAFKA-5477). Same overall
      // budget as the default (~10 s over 9 retries), much earlier first retries.
      retry: { initialRetryTime: 20, retries: 9, maxRetryTime: 5000 },
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

  /**
   * One transaction: every record plus the consumed offsets; aborts and throws on any failure.
   *
   * After a failure the next commit first takes a new producer epoch (a fresh kafkajs producer,
   * InitProducerId), which resets sequence numbers. kafkajs rewinds them after a failed send; if
   * that send had reached the log (inside the now aborted transaction), re-sending the same
   * records under the same sequence numbers would be taken for a duplicate of the aborted batch:
   * acknowledged, not written, and the new transaction would commit the offsets without its
   * outputs. Like any InitProducerId, the renewal fences another producer with the same id, so
   * callers retry only work they still own.
   */
  async commit(records: readonly TopicMessages[], offsets: readonly ConsumedOffsets[]): Promise<void> {
    if (this.renewBeforeNextCommit) await this.renew();
    let txn;
    try {
      txn = await this.producer.transaction();
    } catch (e) {
      throw this.wrap(e, 'begin transaction');
    }
    try {
      // Several sends in one transaction stay atomic; one send of everything put a commit's state
      // records (all on one changelog partition) past the broker's 1 MiB batch limit at ~2,000
      // streams, and the refused commit was retried for ever: the partition stalled.
      for (const group of splitByBytes(records, MAX_REQUEST_BYTES)) {
        await txn.sendBatch({ topicMessages: group.map((r) => ({ topic: r.topic, messages: r.messages.map(toKafkaMessage) })), acks: -1 });
      }
      for (const o of offsets) {
        await txn.sendOffsets({ consumerGroupId: o.groupId, topics: [{ topic: o.topic, partitions: [{ partition: o.partition, offset: o.offset }] }] });
      }
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => undefined);
      const error = this.wrap(e, 'commit transaction');
      if (!(error instanceof ProducerFencedError)) this.renewBeforeNextCommit = true;
      throw error;
    }
  }

  private async renew(): Promise<void> {
    const old = this.producer;
    this.producer = this.createProducer();
    await old.disconnect().catch(() => undefined);
    await this.connect();
    this.renewBeforeNextCommit = false;
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
