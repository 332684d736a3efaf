import { decodeBundle, encodeBundle, readBundleManifest, type BundleManifest, type WeightsBundle } from '@streamcell/model';
import type { TopicMessages } from '@streamcell/kafka';

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

/** Anything that writes records and resolves once they are durable: a KafkaProducer, or a transaction. */
export interface RecordWriter {
  send(batches: readonly TopicMessages[]): Promise<void>;
}

/** Encodes and size-checks a bundle, then writes it keyed by model name; resolves once acknowledged. */
export async function publishBundle(producer: RecordWriter, topic: string, bundle: WeightsBundle, maxModelBytes: number): Promise<Buffer> {
  const bytes = encodeBundle(bundle);
  checkSize(`bundle ${bundle.name} v${bundle.version}`, bytes, maxModelBytes);
  await producer.send([
    {
      topic,
      messages: [{ key: bundle.name, value: bytes, headers: { 'x-streamcell-model-version': String(bundle.version), 'content-type': 'application/vnd.streamcell.weights' } }],
    },
  ]);
  return bytes;
}

/** One record of model.weights as read back: decoded when valid, with the reason when not. */
export interface VersionRecord {
  readonly offset: string;
  readonly bytes: Buffer;
  /** Null when even the manifest cannot be read. */
  readonly manifest: BundleManifest | null;
  readonly bundle: WeightsBundle | null;
  readonly error: string | null;
}

export function readVersionRecord(offset: string, bytes: Buffer): VersionRecord {
  let manifest: BundleManifest | null = null;
  try {
    manifest = readBundleManifest(bytes);
    return { offset, bytes, manifest, bundle: decodeBundle(bytes), error: null };
  } catch (e) {
    return { offset, bytes, manifest, bundle: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/** The highest valid version among records (what inference serves and the trainer builds on). */
export function headOf(records: readonly VersionRecord[]): WeightsBundle | null {
  let best: WeightsBundle | null = null;
  for (const r of records) if (r.bundle !== null && (best === null || r.bundle.version > best.version)) best = r.bundle;
  return best;
}
