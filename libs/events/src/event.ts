/** Event v1 as written to the `events` topic (keyed by `stream`). */
export interface EventV1 {
  readonly stream: string;
  /** Event time, ms since the epoch. */
  readonly ts: number;
  /** Exactly the model's input width, all finite. Empty only on an `end` event. */
  readonly values: readonly number[];
  /** Closes the stream: inference drops its state and tombstones the changelog. */
  readonly end?: true;
}

/** Why an event was refused; the `x-streamcell-reason` header of its dead-letter record. */
export type RejectReason =
  | 'malformed_json'
  | 'not_an_object'
  | 'stream_missing'
  | 'stream_too_long'
  | 'stream_charset'
  | 'ts_invalid'
  | 'ts_skew'
  | 'values_missing'
  | 'values_width'
  | 'values_not_finite';

export const rejectReasons: readonly RejectReason[] = [
  'malformed_json',
  'not_an_object',
  'stream_missing',
  'stream_too_long',
  'stream_charset',
  'ts_invalid',
  'ts_skew',
  'values_missing',
  'values_width',
  'values_not_finite',
];

/**
 * Reasons only inference gives, for events already on `events`: the stream's state became
 * non-finite after this event (the stream is reset), or the event sits on a partition its key
 * does not hash to (a producer that does not partition like the Java client).
 */
export type InferenceDeadLetterReason = 'state_not_finite' | 'misrouted';

export const inferenceDeadLetterReasons: readonly InferenceDeadLetterReason[] = ['state_not_finite', 'misrouted'];

/** Every `x-streamcell-reason` a dead-letter record can carry. */
export type DeadLetterReason = RejectReason | InferenceDeadLetterReason;

export interface Rejection {
  readonly reason: RejectReason;
  /** A sentence for the producer's developer, quoting the offending value. */
  readonly detail: string;
}

export type Validated = { readonly ok: true; readonly event: EventV1 } | ({ readonly ok: false } & Rejection);

/** Canonical JSON of an event, the bytes written to `events`. */
export function encodeEvent(e: EventV1): string {
  return e.end === true
    ? JSON.stringify({ stream: e.stream, ts: e.ts, values: e.values, end: true })
    : JSON.stringify({ stream: e.stream, ts: e.ts, values: e.values });
}
