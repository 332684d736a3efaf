import type { ConsumerDeserializer, IncomingEvent } from '@nestjs/microservices';
import { decodeAlert } from '@streamcell/events';
import type { AlertRecord } from './alert-record';

/** The fields of the record ServerKafka hands to its deserializer (its KafkaParser's output, `keepBinary: true`). */
interface ParsedKafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** KafkaParser decodes keys to strings (and JSON-looking ones to values); the value stays a Buffer. */
  readonly key: unknown;
  readonly value: Buffer | null;
}

const keyBytes = (key: unknown): Buffer | null => {
  if (key === null || key === undefined) return null;
  if (Buffer.isBuffer(key)) return key;
  return Buffer.from(typeof key === 'string' ? key : JSON.stringify(key));
};

/**
 * The transport's deserializer hook: turns every record on `alerts` into an event for the handler
 * of its topic, decoded or not. A record that is not alert v1 is still an event (with the reason),
 * so the handler dead-letters and commits it and the partition goes on; throwing here would make
 * kafkajs re-read the same record forever.
 */
export class AlertDeserializer implements ConsumerDeserializer {
  deserialize(value: ParsedKafkaRecord, options?: { channel?: string }): IncomingEvent {
    const record: AlertRecord = {
      topic: value.topic,
      partition: value.partition,
      offset: value.offset,
      key: keyBytes(value.key),
      value: value.value,
      decoded: decodeAlert(value.value),
    };
    return { pattern: options?.channel ?? value.topic, data: record };
  }
}
