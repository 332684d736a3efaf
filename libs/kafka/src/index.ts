export { KafkaAdmin } from './admin';
export { silentLogger, type KafkaLogger } from './client';
export { kafkaConnectionSchema, resolveSecurity, type KafkaConnectionConfig } from './connection-config';
export { KafkaConnection } from './connection';
export { BatchConsumer, type BatchConsumerOptions, type BatchContext, type BatchHandler } from './consumer';
export { BackpressureError, KafkaError, kafkaErrorType, ProduceTimeoutError, TopicLayoutError, toKafkaError } from './errors';
export type { ConsumedMessage, OutgoingMessage, TopicMessages } from './message';
export { KafkaProducer, type ProducerOptions } from './producer';
export type { TopicReport, TopicSpec } from './topics';
