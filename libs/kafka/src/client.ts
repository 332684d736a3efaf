import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { resolveSecurity, type KafkaConnectionConfig } from './connection-config';

/** The few log methods the adapters need; apps pass their structured logger. */
export interface KafkaLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: KafkaLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Builds the kafkajs client. kafkajs logs through `logCreator`; its entries go to our logger at
 * WARN and above (its INFO is chatty: every group join and rebalance).
 */
export function createKafkaClient(cfg: KafkaConnectionConfig, logger: KafkaLogger, clientSuffix?: string): Kafka {
  const { ssl, sasl } = resolveSecurity(cfg);
  const logCreator =
    () =>
    ({ level, log, namespace }: LogEntry): void => {
      const { message, ...fields } = log;
      const where = { ...fields, namespace };
      if (level === logLevel.ERROR) logger.error(`kafkajs: ${message}`, where);
      else if (level === logLevel.WARN) logger.warn(`kafkajs: ${message}`, where);
    };
  return new Kafka({
    clientId: clientSuffix === undefined ? cfg.clientId : `${cfg.clientId}-${clientSuffix}`,
    brokers: [...cfg.brokers],
    connectionTimeout: cfg.connectionTimeoutMs,
    requestTimeout: cfg.requestTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator,
    ...(ssl !== undefined ? { ssl } : {}),
    ...(sasl !== undefined ? { sasl: sasl } : {}),
  });
}
