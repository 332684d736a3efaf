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
  type?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

/**
 * Broker error codes that no retry can fix: the request itself is wrong or not allowed. Anything
 * else kafkajs throws (connection refused, request timeout, leader moved, coordinator loading,
 * its own "retries exceeded" wrapper while a broker restarts) is treated as retriable: the broker
 * may well come back, and the caller's policy (503 + Retry-After, re-read the batch) is right.
 */
const permanentTypes = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_VERSION',
  'INVALID_REQUIRED_ACKS',
  'POLICY_VIOLATION',
]);

/** Kafka refused a record (or a partition's batch) as larger than the topic's max.message.bytes. */
export function isRecordTooLarge(e: unknown): boolean {
  const type = kafkaErrorType(e);
  return type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE';
}

/** The broker error code (kafkajs `type`) anywhere in the cause chain, if any. */
export function kafkaErrorType(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && typeof cur === 'object' && cur !== null; depth++) {
    const k = cur as KafkaJsLikeError;
    if (typeof k.type === 'string') return k.type;
    cur = k.originalError ?? k.cause;
  }
  return undefined;
}

/** Wraps anything thrown by kafkajs as a KafkaError with a retriable flag callers can act on. */
export function toKafkaError(e: unknown, context: string): KafkaError {
  if (e instanceof KafkaError) return e;
  const k = (typeof e === 'object' && e !== null ? e : {}) as KafkaJsLikeError;
  const message = typeof k.message === 'string' ? k.message : String(e);
  const type = kafkaErrorType(e);
  const retriable = type === undefined || !permanentTypes.has(type);
  return new KafkaError(`${context}: ${message}${type !== undefined ? ` (${type})` : ''}`, retriable, { cause: e });
}
