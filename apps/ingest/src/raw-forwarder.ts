import { cutDeadLetter, dlqHeaders, isPlainObject, type FieldMapping, type Rejection } from '@streamcell/events';
import { isRecordTooLarge, MAX_REQUEST_BYTES, splitByBytes, type BatchConsumer, type ConsumedMessage, type ConsumerHealth, type TopicMessages } from '@streamcell/kafka';
import type { JsonLogger } from '@streamcell/observability';
import type { IngestConfig } from './config';
import type { EventIntake } from './event-intake';
import type { IngestKafka } from './ingest-kafka';
import type { IngestMetrics } from './ingest.metrics';

/**
 * Kafka-native ingest: consumes `events.raw`, maps each record's fields (configurable paths),
 * validates like the HTTP endpoint and forwards to `events` / `events.dlq`. A batch's offsets are
 * committed only after the forward was acknowledged; if producing fails, the handler throws and
 * the consumer re-reads the batch (at-least-once; never dropped).
 */
export class RawForwarder {
  private readonly mapping: FieldMapping;
  private consumer: BatchConsumer | undefined;

  constructor(
    private readonly config: IngestConfig,
    private readonly intake: EventIntake,
    private readonly kafka: IngestKafka,
    private readonly metrics: IngestMetrics,
    private readonly logger: JsonLogger,
  ) {
    this.mapping = {
      stream: config.rawStreamField,
      ts: config.rawTsField,
      values: config.rawValuesField,
      valueFields: config.rawValueFields,
      end: config.rawEndField,
    };
  }

  async start(): Promise<void> {
    await this.kafka.whenConnected();
    const consumer = this.kafka.connection.consumer({ groupId: this.config.rawGroupId, topics: [this.config.eventsRaw], fromBeginning: true });
    this.consumer = consumer;
    try {
      await consumer.start((messages) => this.forward(messages));
    } catch (e) {
      // The caller retries with a fresh consumer: leave nothing of this one behind.
      await consumer.stop().catch(() => undefined);
      throw e;
    }
    this.logger.info('forwarding raw events', { topic: this.config.eventsRaw, groupId: this.config.rawGroupId });
  }

  /** Undefined until start() created the consumer (it waits for Kafka first). */
  get health(): ConsumerHealth | undefined {
    return this.consumer?.healthState;
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }

  private async forward(messages: readonly ConsumedMessage[]): Promise<void> {
    const receivedAt = Date.now();
    const source = this.config.eventsRaw;
    const items: unknown[] = [];
    const from: ConsumedMessage[] = [];
    const unreadable: TopicMessages[] = [];
    const unreadableReasons: Rejection[] = [];
    for (const m of messages) {
      const parsed = parseRecord(m.value);
      if (!parsed.ok) {
        const origin = `${m.topic}/${m.partition}/${m.offset}`;
        unreadable.push(this.intake.deadLetterWhole(m.value ?? Buffer.alloc(0), parsed.rejection, { source, receivedAt, key: m.key, origin }));
        unreadableReasons.push(parsed.rejection);
        continue;
      }
      items.push(parsed.value);
      from.push(m);
    }
    const batch = this.intake.build(items, this.mapping, {
      source,
      receivedAt,
      rawOf: (i) => from[i].value ?? Buffer.alloc(0),
      keyOf: (i) => from[i].key?.toString(),
      originOf: (i) => `${from[i].topic}/${from[i].partition}/${from[i].offset}`,
    });
    // A fetched batch can hold megabytes of records; in one request, those bound for one partition
    // (events.dlq has one) would pass the broker's limit and the batch would be re-read forever.
    // One group after the other, stopping at the first failure: sent together, a later group could
    // land while an earlier one failed, and the re-read batch put a stream's events out of order.
    for (const group of splitByBytes([...batch.writes, ...unreadable], MAX_REQUEST_BYTES)) await this.send(group);
    if (batch.accepted > 0) this.metrics.accepted.inc({ source: 'kafka' }, batch.accepted);
    for (const r of [...batch.rejected, ...unreadableReasons]) this.metrics.rejected.inc({ source: 'kafka', reason: r.reason });
  }

  /**
   * One group of writes. A record that fit `events.raw` can pass the dead-letter topic's limit
   * once the reason headers are added; re-reading it would fail again, forever, so it goes to the
   * dead-letter topic with its value cut (cutDeadLetter) and the original length in
   * a header. Any other failure throws: the batch is re-read.
   */
  private async send(writes: TopicMessages[]): Promise<void> {
    try {
      await this.kafka.producer.send(writes);
    } catch (e) {
      const [only] = writes;
      const letter = writes.length === 1 && only.topic === this.config.eventsDlq && only.messages.length === 1 ? only.messages[0] : undefined;
      if (letter === undefined || !isRecordTooLarge(e) || letter.value === null) throw e;
      const cut = cutDeadLetter(letter.value, letter.headers ?? {});
      this.logger.info('dead letter too large for its topic, written truncated', { bytes: cut.headers[dlqHeaders.truncatedFrom], origin: letter.headers?.[dlqHeaders.origin] });
      await this.kafka.producer.send([{ topic: only.topic, messages: [{ ...letter, ...cut }] }]);
    }
  }
}

type Parsed = { ok: true; value: Record<string, unknown> } | { ok: false; rejection: Rejection };

function parseRecord(value: Buffer | null): Parsed {
  if (value === null) return { ok: false, rejection: { reason: 'not_an_object', detail: 'record has no value' } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (e) {
    return { ok: false, rejection: { reason: 'malformed_json', detail: `record is not valid JSON: ${(e as Error).message}` } };
  }
  if (!isPlainObject(parsed)) return { ok: false, rejection: { reason: 'not_an_object', detail: 'record must be a JSON object' } };
  return { ok: true, value: parsed };
}
