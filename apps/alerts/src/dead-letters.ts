import { cutDeadLetter, dlqHeaders } from '@streamcell/events';
import { isRecordTooLarge, retryRetriable, type KafkaProducer } from '@streamcell/kafka';
import type { JsonLogger } from '@streamcell/observability';
import type { AlertRecord } from './alert-record';

/** Extra headers of an alerts.dlq record, besides the shared dead-letter ones. */
export const alertDlqHeaders = {
  target: 'x-streamcell-target',
  idempotencyKey: 'x-streamcell-idempotency-key',
  attempts: 'x-streamcell-attempts',
} as const;

export interface DeadLetter {
  readonly reason: string;
  readonly detail: string;
  /** The target that did not take the alert (delivery failures only). */
  readonly target?: string;
  readonly idempotencyKey?: string;
  readonly attempts?: number;
}

/** Where alerts that cannot be delivered go. Resolves true once written; false when aborted first. */
export interface DeadLetterSink {
  write(record: AlertRecord, letter: DeadLetter, signal: AbortSignal): Promise<boolean>;
}

/**
 * Writes to alerts.dlq: the record's own key and bytes, the reason in headers (the same header
 * names as events.dlq), plus the target, so a replay can go to that target only. A write that
 * fails is retried until it succeeds or the service stops: the alert's offset is committed only
 * after this, so giving up here would lose it.
 */
export class KafkaDeadLetters implements DeadLetterSink {
  constructor(
    private readonly producer: KafkaProducer,
    private readonly topic: string,
    private readonly logger: JsonLogger,
    private readonly now: () => number = Date.now,
  ) {}

  async write(record: AlertRecord, letter: DeadLetter, signal: AbortSignal): Promise<boolean> {
    const headers: Record<string, string> = {
      [dlqHeaders.reason]: letter.reason,
      [dlqHeaders.detail]: letter.detail,
      [dlqHeaders.source]: record.topic,
      [dlqHeaders.receivedAt]: String(this.now()),
      [dlqHeaders.origin]: `${record.topic}/${record.partition}/${record.offset}`,
    };
    if (letter.target !== undefined) headers[alertDlqHeaders.target] = letter.target;
    if (letter.idempotencyKey !== undefined) headers[alertDlqHeaders.idempotencyKey] = letter.idempotencyKey;
    if (letter.attempts !== undefined) headers[alertDlqHeaders.attempts] = String(letter.attempts);
    let message = { key: record.key, value: record.value, headers };
    const attempt = async (): Promise<boolean> => {
      if (!this.producer.isConnected) await this.producer.connect();
      try {
        await this.producer.send([{ topic: this.topic, messages: [message] }]);
      } catch (e) {
        // The record fit `alerts` but not alerts.dlq with the headers: whole, it would be refused
        // for ever, and the partition would wait behind it.
        if (!isRecordTooLarge(e) || message.value === null || message.headers[dlqHeaders.truncatedFrom] !== undefined) throw e;
        message = { ...message, ...cutDeadLetter(message.value, message.headers) };
        this.logger.info('dead letter too large for its topic, written truncated', { topic: this.topic, bytes: message.headers[dlqHeaders.truncatedFrom] });
        await this.producer.send([{ topic: this.topic, messages: [message] }]);
      }
      return true;
    };
    const written = await retryRetriable(attempt, {
      context: `dead-letter to ${this.topic}`,
      initialDelayMs: 500,
      maxDelayMs: 10_000,
      signal,
      shouldRetry: () => true,
      onRetry: (e, retryInMs) => this.logger.warn('dead-letter write failed, retrying', { topic: this.topic, error: e.message, retryInMs }),
    });
    return written === true;
  }
}
