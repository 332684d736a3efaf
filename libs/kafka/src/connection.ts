import type { Kafka } from 'kafkajs';
import { KafkaAdmin } from './admin';
import { createKafkaClient, type KafkaLogger } from './client';
import type { KafkaConnectionConfig } from './connection-config';
import { BatchConsumer, type BatchConsumerOptions } from './consumer';
import { KafkaProducer, type ProducerOptions } from './producer';

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

  admin(): KafkaAdmin {
    return new KafkaAdmin(this.kafka);
  }
}
