import type { DeadLetterReason } from './event';

/** Header names of a dead-letter record on `events.dlq`. */
export const dlqHeaders = {
  reason: 'x-streamcell-reason',
  detail: 'x-streamcell-detail',
  source: 'x-streamcell-source',
  index: 'x-streamcell-index',
  receivedAt: 'x-streamcell-received-at',
  origin: 'x-streamcell-origin',
  /**
   * Set (to the original length in bytes) on a dead letter whose value was cut: the bytes as they
   * came did not fit the dead-letter topic once the headers were added. The value is their start.
   */
  truncatedFrom: 'x-streamcell-truncated-from',
} as const;

export interface DeadLetterContext {
  /** Where the bytes came from: `http`, or the topic name for Kafka-native input. */
  readonly source: string;
  readonly receivedAt: number;
  /** Position in the request array, when the input was an array. */
  readonly index?: number;
  /** topic/partition/offset of the consumed record, for Kafka-native input. */
  readonly origin?: string;
}

export function deadLetterHeaders(rejection: { readonly reason: DeadLetterReason; readonly detail: string }, ctx: DeadLetterContext): Record<string, string> {
  const h: Record<string, string> = {
    [dlqHeaders.reason]: rejection.reason,
    [dlqHeaders.detail]: rejection.detail,
    [dlqHeaders.source]: ctx.source,
    [dlqHeaders.receivedAt]: String(ctx.receivedAt),
  };
  if (ctx.index !== undefined) h[dlqHeaders.index] = String(ctx.index);
  if (ctx.origin !== undefined) h[dlqHeaders.origin] = ctx.origin;
  return h;
}

/** What is kept of a dead letter too large for its topic: 64 KiB shows what the record was. */
export const DEAD_LETTER_KEPT_BYTES = 64 * 1024;

/**
 * A dead letter's value cut to its first DEAD_LETTER_KEPT_BYTES, with its original length in
 * `x-streamcell-truncated-from`: for a record that fit its own topic but not the dead-letter topic
 * once the reason headers were added. Retrying it whole would fail forever.
 */
export function cutDeadLetter(value: Buffer | string, headers: Readonly<Record<string, string>>): { value: Buffer; headers: Record<string, string> } {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return { value: bytes.subarray(0, DEAD_LETTER_KEPT_BYTES), headers: { ...headers, [dlqHeaders.truncatedFrom]: String(bytes.length) } };
}

/**
 * Largest dead letter, value and headers, written whole where a refusal cannot be retried for
 * that record alone: inference writes its dead letters inside the partition's transaction, and a
 * dead letter Kafka refuses as too large would fail the commit on every retry (the partition
 * stalls). Just under Kafka's default max.message.bytes (1 MiB); larger ones are cut up front.
 */
export const DEAD_LETTER_WHOLE_MAX_BYTES = 1_000_000;

/** The dead letter as it came, or cut (cutDeadLetter) when it is over DEAD_LETTER_WHOLE_MAX_BYTES. */
export function fitDeadLetter(value: Buffer, headers: Readonly<Record<string, string>>): { value: Buffer; headers: Record<string, string> } {
  let bytes = value.length;
  for (const [k, v] of Object.entries(headers)) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  return bytes > DEAD_LETTER_WHOLE_MAX_BYTES ? cutDeadLetter(value, headers) : { value, headers: { ...headers } };
}

