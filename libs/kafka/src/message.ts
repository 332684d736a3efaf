import type { KafkaMessage } from 'kafkajs';

/** A record as the adapters hand it to application code: no kafkajs types leak out. */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  /** Offset as a string: Kafka offsets are int64 and may exceed 2^53. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Broker/producer timestamp in ms. */
  readonly timestamp: number;
}

export interface OutgoingMessage {
  readonly key: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers?: Readonly<Record<string, string>>;
  readonly partition?: number;
  readonly timestamp?: number;
}

export interface TopicMessages {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
}

const sizeOf = (v: string | Buffer | null): number => (v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

/** A record's key, value and header bytes: what counts against a broker's max.message.bytes, framing aside. */
export function messageBytes(m: OutgoingMessage): number {
  let bytes = sizeOf(m.key) + sizeOf(m.value);
  if (m.headers !== undefined) for (const [k, v] of Object.entries(m.headers)) bytes += k.length + sizeOf(v);
  return bytes;
}

/**
 * Most record bytes a writer puts in one produce request: half of Kafka's default
 * max.message.bytes (1 MiB), which bounds one partition's record batch, so a request that sends
 * everything to one partition still fits with its framing. Writes above it are split (splitByBytes).
 */
export const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * The writes cut into groups of at most `maxBytes` (messageBytes), in order; a message larger
 * than that alone is a group of its own. For a writer whose one batch could pass the broker's
 * per-partition limit, which fails the whole request.
 */
export function splitByBytes(writes: readonly TopicMessages[], maxBytes: number): TopicMessages[][] {
  // The usual case on a commit path: everything fits, and is sent as it is, without regrouping.
  let total = 0;
  for (const w of writes) for (const m of w.messages) total += messageBytes(m);
  if (total <= maxBytes) {
    const nonEmpty = writes.filter((w) => w.messages.length > 0);
    return nonEmpty.length > 0 ? [nonEmpty] : [];
  }
  const groups: TopicMessages[][] = [];
  let group: TopicMessages[] = [];
  let bytes = 0;
  for (const w of writes) {
    for (const m of w.messages) {
      const size = messageBytes(m);
      if (bytes > 0 && bytes + size > maxBytes) {
        groups.push(group);
        group = [];
        bytes = 0;
      }
      const last = group.at(-1);
      if (last?.topic === w.topic) (last.messages as OutgoingMessage[]).push(m);
      else group.push({ topic: w.topic, messages: [m] });
      bytes += size;
    }
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined;

/** A fetched kafkajs record in our shape (the one place that converts). */
export function fromKafkaMessage(topic: string, partition: number, m: KafkaMessage): ConsumedMessage {
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, headers: decodeHeaders(m.headers), timestamp: Number(m.timestamp) };
}

/** Most records (events) carry no headers: one shared, frozen empty set for all of them. */
const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/** Kafka headers may repeat; the last value wins, decoded as UTF-8. */
export function decodeHeaders(raw: RawHeaders): Readonly<Record<string, string>> {
  if (raw === undefined || isEmpty(raw)) return noHeaders;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) out[k] = last.toString();
  }
  return Object.keys(out).length === 0 ? noHeaders : out;
}

/** kafkajs hands every record a fresh `{}` when it has no headers: checked without allocating. */
function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}
