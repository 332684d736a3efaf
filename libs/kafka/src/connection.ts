import type { Kafka } from 'kafkajs';
import { KafkaAdmin } from './admin';
import { createKafkaClient, type KafkaLogger } from './client';
import type { KafkaConnectionConfig } from './connection-config';
import { BatchConsumer, type BatchConsumerOptions } from './consumer';
import type { ConsumedMessage } from './message';
import { readPartitionsToEnd } from './partition-reader';
import { KafkaProducer, type ProducerOptions } from './producer';
import { TransactionalProducer, type TransactionalProducerOptions } from './transactional-producer';

/** The one entry point to a cluster: apps get producers, consumers and admin from here. */
export class KafkaConnection {
  private readonly kafka: Kafka;

  constructor(
    config: KafkaConnectionConfig,
    private readonly logger: KafkaLogger,
    clientSuffix?: string,
  ) {
    this.kafka = createKafkaClient(config, logger, clientSuffix);
  }

  producer(options: ProducerOptions): KafkaProducer {
    return new KafkaProducer(this.kafka, options);
  }

  consumer(options: BatchConsumerOptions): BatchConsumer {
    return new BatchConsumer(this.kafka, options, this.logger);
  }

  transactionalProducer(options: TransactionalProducerOptions): TransactionalProducer {
    return new TransactionalProducer(this.kafka, options);
  }

  /** Reads partitions of a topic from the start to their current end (state restore). */
  readToEnd(topic: string, partitions: readonly number[], onMessage: (m: ConsumedMessage) => void, timeoutMs?: number, from?: ReadonlyMap<number, bigint>): Promise<{ records: number }> {
    return readPartitionsToEnd(this.kafka, topic, partitions, onMessage, this.logger, timeoutMs, from);
  }

  admin(): KafkaAdmin {
    return new KafkaAdmin(this.kafka);
  }
}
