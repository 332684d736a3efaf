/**
 * Typed Kafka errors. Like kafkajs's own, each says whether retrying can help (`retriable`) and
 * keeps the underlying error as `cause`, so callers decide on policy (503 + Retry-After, retry the
 * transaction, stop the process) without string-matching messages.
 */
export class KafkaError extends Error {
  override readonly name: string = 'KafkaError';
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The producer's bounded queue is full; the caller should shed load and retry later. */
export class BackpressureError extends KafkaError {
  override readonly name = 'BackpressureError';
  constructor(inFlight: number, limit: number) {
    super(`producer queue is full (${inFlight} messages in flight, limit ${limit})`, true);
  }
}

/** The broker did not acknowledge in time; the write may or may not land later. */
export class ProduceTimeoutError extends KafkaError {
  override readonly name = 'ProduceTimeoutError';
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super(`no acknowledgement from Kafka within ${timeoutMs} ms`, true, options);
  }
}

/** A topic exists with a layout that streamcell cannot use (e.g. fewer partitions than required). */
export class TopicLayoutError extends KafkaError {
  override readonly name = 'TopicLayoutError';
  constructor(message: string) {
    super(message, false);
  }
}

interface KafkaJsLikeError {
  name?: unknown;
  message?: unknown;
  retriable?: unknown;
  type?: unknown;
}

/** Wraps anything thrown by kafkajs as a KafkaError, keeping its retriable flag. */
export function toKafkaError(e: unknown, context: string): KafkaError {
  if (e instanceof KafkaError) return e;
  const k = (typeof e === 'object' && e !== null ? e : {}) as KafkaJsLikeError;
  const message = typeof k.message === 'string' ? k.message : String(e);
  // kafkajs marks connection failures, timeouts and leader changes retriable; its "number of
  // retries exceeded" wrapper is not, but the broker may well come back, so treat it as retriable.
  const retriable =
    k.retriable === true || k.name === 'KafkaJSNumberOfRetriesExceeded' || k.name === 'KafkaJSConnectionError';
  return new KafkaError(`${context}: ${message}`, retriable, { cause: e });
}
