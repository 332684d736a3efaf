import {
  deadLetterHeaders,
  defaultStreamIdPattern,
  encodeEvent,
  extractFields,
  fitDeadLetter,
  isPlainObject,
  validateEvent,
  type FieldMapping,
  type Rejection,
  type ValidationRules,
} from '@streamcell/events';
import type { OutgoingMessage, TopicMessages } from '@streamcell/kafka';

export interface ItemRejection extends Rejection {
  /** Position in the request array (0 for a single event). */
  readonly index: number;
}

export interface IntakeBatch {
  /** Records for `events` and `events.dlq`, to be written in one produce request. */
  readonly writes: TopicMessages[];
  readonly accepted: number;
  readonly rejected: ItemRejection[];
}

export interface IntakeTopics {
  readonly events: string;
  readonly eventsDlq: string;
}

/**
 * Turns parsed input items into the records to write: valid events keyed by stream to `events`,
 * refused items with their reason to `events.dlq`. Pure (no I/O), so it can be tested without
 * Kafka, and shared by the HTTP endpoint and the events.raw forwarder.
 */
export class EventIntake {
  constructor(
    private readonly rules: ValidationRules,
    private readonly topics: IntakeTopics,
  ) {}

  /**
   * `items` are the parsed JSON values; `rawOf(i)` gives the original bytes of item i for the
   * dead-letter record; `keyOf(i)` a fallback stream id (the Kafka key of a raw record).
   */
  build(
    items: readonly unknown[],
    mapping: FieldMapping,
    ctx: { source: string; receivedAt: number; rawOf: (i: number) => string | Buffer; keyOf?: (i: number) => string | undefined; originOf?: (i: number) => string },
  ): IntakeBatch {
    const events: OutgoingMessage[] = [];
    const dead: OutgoingMessage[] = [];
    const rejected: ItemRejection[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const fallback = ctx.keyOf?.(i);
      const fields = isPlainObject(item) ? extractFields(item, mapping, fallback) : undefined;
      const v = fields !== undefined
        ? validateEvent(fields, this.rules, ctx.receivedAt)
        : ({ ok: false, reason: 'not_an_object', detail: `each event must be a JSON object, got ${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item}` } as const);
      if (v.ok) {
        events.push({ key: v.event.stream, value: encodeEvent(v.event) });
        continue;
      }
      const rejection = { index: i, reason: v.reason, detail: v.detail };
      rejected.push(rejection);
      const origin = ctx.originOf?.(i);
      const headers = deadLetterHeaders(rejection, {
        source: ctx.source,
        receivedAt: ctx.receivedAt,
        ...(items.length > 1 || ctx.source === 'http' ? { index: i } : {}),
        ...(origin !== undefined ? { origin } : {}),
      });
      const raw = ctx.rawOf(i);
      dead.push({
        // Keyed by the stream id the mapping found (INGEST_RAW_STREAM_FIELD may be nested), so a
        // stream's dead letters sit beside its events.
        key: typeof fields?.stream === 'string' ? fields.stream : (fallback ?? null),
        // Cut up front when it could not fit the dead-letter topic whole: refused, it would fail
        // the request it is written with.
        ...fitDeadLetter(typeof raw === 'string' ? Buffer.from(raw) : raw, headers),
      });
    }
    const writes: TopicMessages[] = [];
    if (events.length > 0) writes.push({ topic: this.topics.events, messages: events });
    if (dead.length > 0) writes.push({ topic: this.topics.eventsDlq, messages: dead });
    return { writes, accepted: events.length, rejected };
  }

  /** A whole input that could not be read at all (malformed JSON, wrong top-level type). */
  deadLetterWhole(raw: Buffer, rejection: Rejection, ctx: { source: string; receivedAt: number; key?: Buffer | null; origin?: string }): TopicMessages {
    return {
      topic: this.topics.eventsDlq,
      messages: [
        {
          key: ctx.key ?? null,
          ...fitDeadLetter(raw, deadLetterHeaders(rejection, { source: ctx.source, receivedAt: ctx.receivedAt, ...(ctx.origin !== undefined ? { origin: ctx.origin } : {}) })),
        },
      ],
    };
  }
}

/** The intake for the configured input width and validation bounds. */
export function intakeFromConfig(config: {
  inputWidth: number;
  maxStreamIdLength: number;
  maxFutureSkewMs: number;
  maxPastSkewMs: number;
  events: string;
  eventsDlq: string;
}): EventIntake {
  return new EventIntake(
    {
      width: config.inputWidth,
      maxStreamIdLength: config.maxStreamIdLength,
      streamIdPattern: defaultStreamIdPattern,
      maxFutureSkewMs: config.maxFutureSkewMs,
      maxPastSkewMs: config.maxPastSkewMs,
    },
    { events: config.events, eventsDlq: config.eventsDlq },
  );
}
