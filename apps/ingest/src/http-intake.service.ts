import { Inject, Injectable } from '@nestjs/common';
import { canonicalMapping, jsonArrayItemSpans } from '@streamcell/events';
import { isRecordTooLarge, KafkaError, MAX_REQUEST_BYTES, splitByBytes, type TopicMessages } from '@streamcell/kafka';
import { JsonLogger } from '@streamcell/observability';
import { INGEST_CONFIG, type IngestConfig } from './config';
import { EventIntake, type ItemRejection } from './event-intake';
import { IngestKafka } from './ingest-kafka';
import { IngestMetrics } from './ingest.metrics';

export interface IntakeAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly retryAfterSeconds?: number;
}

/**
 * POST /v1/events: one event or an array. Valid events go to `events`, refused ones to
 * `events.dlq`, both in one produce request; the answer is sent only after Kafka acknowledged it,
 * so a 2xx means durable and a 503 means "nothing you need to know about was kept; retry".
 */
@Injectable()
export class HttpIntakeService {
  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(EventIntake) private readonly intake: EventIntake,
    @Inject(IngestKafka) private readonly kafka: IngestKafka,
    @Inject(IngestMetrics) private readonly metrics: IngestMetrics,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async handle(body: Buffer, receivedAt: number): Promise<IntakeAnswer> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (e) {
      const detail = `body is not valid JSON: ${(e as Error).message}`;
      return this.refuseWhole(body, { reason: 'malformed_json', detail }, receivedAt, 400);
    }
    const isArray = Array.isArray(parsed);
    if (!isArray && (typeof parsed !== 'object' || parsed === null)) {
      const detail = 'body must be one event object or an array of them';
      return this.refuseWhole(body, { reason: 'not_an_object', detail }, receivedAt, 400);
    }
    const items: readonly unknown[] = isArray ? (parsed as unknown[]) : [parsed];
    if (items.length === 0) return { status: 400, body: { error: 'empty_batch', detail: 'the array holds no events' } };
    if (items.length > this.config.maxBatchEvents) {
      // Nothing is kept: the client still holds the batch and can split it.
      return {
        status: 413,
        body: { error: 'batch_too_large', detail: `${items.length} events in one request, at most ${this.config.maxBatchEvents} allowed` },
      };
    }
    const batch = this.intake.build(items, canonicalMapping, { source: 'http', receivedAt, rawOf: rawItems(body, isArray, items.length) });
    const failure = await this.write(batch.writes);
    if (failure !== undefined) return failure;
    this.count(batch.accepted, batch.rejected);
    const status = batch.rejected.length === 0 ? 200 : batch.accepted === 0 ? 422 : 207;
    return { status, body: { accepted: batch.accepted, rejected: batch.rejected } };
  }

  private async refuseWhole(body: Buffer, rejection: { reason: 'malformed_json' | 'not_an_object'; detail: string }, receivedAt: number, status: number): Promise<IntakeAnswer> {
    const failure = await this.write([this.intake.deadLetterWhole(body, rejection, { source: 'http', receivedAt })]);
    if (failure !== undefined) return failure;
    this.count(0, [{ index: 0, ...rejection }]);
    return { status, body: { error: rejection.reason, detail: rejection.detail } };
  }

  private count(accepted: number, rejected: readonly ItemRejection[]): void {
    if (accepted > 0) this.metrics.accepted.inc({ source: 'http' }, accepted);
    for (const r of rejected) this.metrics.rejected.inc({ source: 'http', reason: r.reason });
  }

  /** Produces and waits for the acknowledgement; returns the 503 answer when Kafka cannot take it. */
  private async write(writes: readonly TopicMessages[]): Promise<IntakeAnswer | undefined> {
    if (!this.kafka.isReady) {
      this.metrics.producerErrors.inc({ kind: 'unavailable' });
      return this.unavailable('Kafka is not reachable');
    }
    const end = this.metrics.produceDuration.startTimer();
    try {
      // Dead letters carry ~200 bytes of headers each and all go to one partition: a body well
      // under the limit, all invalid, passed the broker's 1 MiB batch limit and got 413. The
      // dead letters beyond one request go first, each group alone; the events go with the rest in
      // one last request, so a failure before it leaves none of them written (a resend would only
      // repeat dead letters).
      const dlq = writes.filter((w) => w.topic === this.config.eventsDlq);
      const groups = splitByBytes(dlq, MAX_REQUEST_BYTES);
      const last = groups.pop() ?? [];
      for (const group of groups) await this.kafka.producer.send(group);
      await this.kafka.producer.send([...writes.filter((w) => w.topic !== this.config.eventsDlq), ...last]);
      end();
      return undefined;
    } catch (e) {
      const kind = e instanceof KafkaError ? errorKind(e) : 'other';
      this.metrics.producerErrors.inc({ kind });
      if (e instanceof KafkaError && e.retriable) return this.unavailable(e.message);
      if (isRecordTooLarge(e)) {
        // The broker's record size limit (max.message.bytes) is below this request's records:
        // the input's fault, and splitting it is the fix, so a 413 like the body limit.
        return { status: 413, body: { error: 'record_too_large', detail: 'Kafka refused a record of this request as too large; nothing was accepted, split it and resend' } };
      }
      this.logger.error('produce failed', { error: e instanceof Error ? e.message : String(e) });
      return { status: 500, body: { error: 'produce_failed', detail: 'Kafka refused the write; nothing was accepted' } };
    } finally {
      this.metrics.producerQueue.set(this.kafka.producer.inFlight);
    }
  }

  private unavailable(detail: string): IntakeAnswer {
    return {
      status: 503,
      body: { error: 'unavailable', detail: `${detail}; nothing was accepted, retry later` },
      retryAfterSeconds: this.config.retryAfterSeconds,
    };
  }
}

/**
 * The dead-letter bytes of each item: the item's own bytes sliced out of the body, so the record
 * holds exactly what came (re-serialising the parsed item would turn `1e400` into `null`, and
 * overflows the stack on deeply nested items). The whole body for a single event, or if the body
 * cannot be split (it always can once JSON.parse accepted it as an array).
 */
export function rawItems(body: Buffer, isArray: boolean, count: number): (i: number) => Buffer {
  const spans = isArray ? jsonArrayItemSpans(body) : undefined;
  if (spans?.length !== count) return () => body;
  return (i) => body.subarray(spans[i][0], spans[i][1]);
}

function errorKind(e: KafkaError): string {
  switch (e.name) {
    case 'BackpressureError':
      return 'backpressure';
    case 'ProduceTimeoutError':
      return 'timeout';
    default:
      return e.retriable ? 'unavailable' : 'other';
  }
}
