/** Bytes Kafka adds around a value in a one-record batch (batch header, record framing, key, headers), generously. */
export const RECORD_OVERHEAD_BYTES = 1024;

/** A bundle or checkpoint is larger than the topic accepts. */
export class ModelTooLargeError extends Error {
  override readonly name = 'ModelTooLargeError';
  readonly retriable = false;
  constructor(
    readonly what: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      `${what} is ${size} bytes, over the limit of ${limit} bytes (MODEL_MAX_BYTES ${limit + RECORD_OVERHEAD_BYTES} minus ${RECORD_OVERHEAD_BYTES} of record overhead): ` +
        'raise MODEL_MAX_BYTES (and max.message.bytes of existing topics) or use a smaller model',
    );
  }
}

export function checkSize(what: string, bytes: Uint8Array, maxModelBytes: number): void {
  const limit = maxModelBytes - RECORD_OVERHEAD_BYTES;
  if (bytes.length > limit) throw new ModelTooLargeError(what, bytes.length, limit);
}
