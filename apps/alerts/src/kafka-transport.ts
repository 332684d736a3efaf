import { Transport, type Deserializer, type KafkaOptions } from '@nestjs/microservices';
import { logLevel } from '@nestjs/microservices/external/kafka.interface';
import { kafkaLogCreator, resolveSecurity, type KafkaLogger } from '@streamcell/kafka';
import type { AlertsConfig } from './config';

/**
 * The options of @nestjs/microservices' Kafka transport for the alerts service, and where each
 * guarantee comes from:
 * - read_committed: kafkajs's `readUncommitted: false` (its default, set explicitly), so aborted
 *   inference transactions are never delivered.
 * - commit only after delivery: `run.autoCommit: false`; the handler commits each record's offset
 *   itself through KafkaContext after every target took the alert or it was dead-lettered
 *   (alerts.controller.ts).
 * - group id used as configured (`postfixId: ''`; ServerKafka appends "-server" by default).
 * - `parser.keepBinary`: the record value reaches the deserializer as bytes, so a bad record is
 *   dead-lettered exactly as it came.
 */
export function kafkaTransportOptions(config: AlertsConfig, logger: KafkaLogger, deserializer: Deserializer): KafkaOptions {
  const { ssl, sasl } = resolveSecurity(config);
  return {
    transport: Transport.KAFKA,
    options: {
      postfixId: '',
      client: {
        clientId: `${config.clientId}-alerts`,
        brokers: [...config.brokers],
        connectionTimeout: config.connectionTimeoutMs,
        requestTimeout: config.requestTimeoutMs,
        logLevel: logLevel.WARN,
        logCreator: kafkaLogCreator(logger),
        ...(ssl !== undefined ? { ssl } : {}),
        ...(sasl !== undefined ? { sasl } : {}),
      },
      consumer: {
        groupId: config.groupId,
        readUncommitted: false,
        allowAutoTopicCreation: false,
        sessionTimeout: config.sessionTimeoutMs,
        heartbeatInterval: Math.floor(config.sessionTimeoutMs / 10),
        // kafkajs's disconnect waits for the fetch in flight, which an idle broker holds for
        // maxWaitTimeInMs (default 5 s): shutdown took 5 s, 10 s on a loaded machine. Alerts are
        // few; a short long-poll costs two idle fetches a second and makes stopping prompt.
        maxWaitTimeInMs: 500,
      },
      subscribe: { fromBeginning: true },
      run: { autoCommit: false, partitionsConsumedConcurrently: config.concurrentPartitions },
      parser: { keepBinary: true },
      deserializer,
      // ServerKafka also connects a producer, used only for request/response replies, which this
      // service never sends. An explicit partitioner keeps kafkajs from warning about its
      // default-partitioner change on every start.
      producer: { allowAutoTopicCreation: false, createPartitioner: () => () => 0 },
    },
  };
}
