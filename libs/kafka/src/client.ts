import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { resolveSecurity, type KafkaConnectionConfig } from './connection-config';
import { levelOf } from './log-level';

/** The few log methods the adapters need; apps pass their structured logger. */
export interface KafkaLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: KafkaLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Builds the kafkajs client. kafkajs logs through `logCreator`. Its INFO is dropped (every group
 * join and rebalance); its ERROR entries are mostly protocol errors it retries by itself
 * ("coordinator not available", "rebalancing"), so they are logged as warnings, and those that are
 * part of normal operation as debug (see levelOf) — failures that matter reach the caller as
 * exceptions and are logged there.
 */
export function createKafkaClient(cfg: KafkaConnectionConfig, logger: KafkaLogger, clientSuffix?: string): Kafka {
  const { ssl, sasl } = resolveSecurity(cfg);
  return new Kafka({
    clientId: clientSuffix === undefined ? cfg.clientId : `${cfg.clientId}-${clientSuffix}`,
    brokers: [...cfg.brokers],
    connectionTimeout: cfg.connectionTimeoutMs,
    requestTimeout: cfg.requestTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    ...(ssl !== undefined ? { ssl } : {}),
    ...(sasl !== undefined ? { sasl: sasl } : {}),
  });
}

/**
 * kafkajs's logCreator for our logger: WARN and ERROR entries at the level levelOf gives them,
 * INFO and DEBUG dropped. Every kafkajs client of ours logs through it, the alerts service's
 * (which @nestjs/microservices creates) included.
 */
export function kafkaLogCreator(logger: KafkaLogger): () => (entry: LogEntry) => void {
  return () => (entry) => {
    const { level, log, namespace } = entry;
    if (level !== logLevel.ERROR && level !== logLevel.WARN) return;
    const { message, ...fields } = log;
    const where = { ...fields, namespace };
    if (levelOf(entry) === 'debug') logger.debug(`kafkajs: ${message}`, where);
    else logger.warn(`kafkajs: ${message}`, where);
  };
}
