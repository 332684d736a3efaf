import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { BackpressureError, KafkaError, ProduceTimeoutError, toKafkaError } from './errors';
import { retryRetriable } from './retry';
import { messageBytes, type OutgoingMessage, type TopicMessages } from './message';

export interface ProducerOptions {
  /** Messages accepted but not yet acknowledged, across all callers; past it `send` refuses. */
  readonly maxQueuedMessages: number;
  /** How long a caller waits for the broker's acknowledgement before getting ProduceTimeoutError. */
  readonly ackTimeoutMs: number;
  /** Upper bound on messages in one produce request built from queued sends. Default 10,000. */
  readonly maxBatchMessages?: number;
  /**
   * Upper bound on the bytes (keys, values, headers) of one produce request built from several
   * queued sends; a single send may exceed it alone. The broker refuses a partition's batch past
   * its max.message.bytes and fails the whole request, so merging unrelated callers' sends must
   * not build one (each would be told its records were refused). Default: no bound.
   */
  readonly maxBatchBytes?: number;
}

interface Pending {
  readonly batches: readonly TopicMessages[];
  readonly count: number;
  /** Bytes of its messages, counted only when maxBatchBytes is set (else 0). */
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (e: KafkaError) => void;
  timer: NodeJS.Timeout | undefined;
  state: 'queued' | 'sending' | 'settled';
}

/**
 * An idempotent (`acks=all`) producer with a bounded queue and natural batching.
 *
 * While one produce request is on the wire, later `send` calls queue and then go out together in
 * the next request. Under light load nothing waits (no linger), under heavy load requests grow
 * instead of multiplying — kafkajs has no `linger.ms`, and one request per HTTP call would spend
 * the broker's time on request overhead. One request at a time also keeps the idempotent
 * producer's per-partition sequence numbers in order (kafkajs requires maxInFlightRequests 1).
 *
 * `send` resolves only once the broker has acknowledged the messages. A send that times out while
 * still queued is withdrawn and never written; one that times out on the wire may still land
 * (the caller was told 503, so a retry can duplicate — at-least-once, never accepted-then-lost).
 *
 * After a failed request the producer id is renewed before the next one. kafkajs rewinds its
 * sequence numbers when a request fails, but a request whose answer was lost (broker paused,
 * restarting, network cut) may still have been written; the next request would then reuse those
 * sequence numbers for other messages, the broker would take it for a retry of the written one
 * and acknowledge it without writing it: accepted, then lost. A new producer id starts new
 * sequences. (The Java client resets its producer id in this case for the same reason.)
 */
export class KafkaProducer {
  private producer: Producer;
  /** The last request failed: its messages may be on the broker under sequence numbers kafkajs will reuse. */
  private renewBeforeNextSend = false;
  private readonly queue: Pending[] = [];
  private queuedMessages = 0;
  private sending = false;
  private sendingSince = 0;
  private connected = false;
  /** The background reconnect after a failed connect (see connectForSend); undefined when none runs. */
  private reconnecting: Promise<void> | undefined;
  private readonly closing = new AbortController();
  private readonly maxBatchMessages: number;
  private readonly maxBatchBytes: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ProducerOptions,
  ) {
    this.producer = this.createProducer();
    this.maxBatchMessages = options.maxBatchMessages ?? 10_000;
    this.maxBatchBytes = options.maxBatchBytes ?? Number.POSITIVE_INFINITY;
  }

  private createProducer(): Producer {
    // DefaultPartitioner is murmur2, as in the Java client: a stream id lands on the same partition
    // whichever client produced it, which keeps `events` and the state changelog co-partitioned.
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    // Events of a replaced producer (its late DISCONNECT) must not overwrite the current state.
    producer.on(producer.events.DISCONNECT, () => {
      if (producer === this.producer) this.connected = false;
    });
    producer.on(producer.events.CONNECT, () => {
      if (producer === this.producer) this.connected = true;
    });
    return producer;
  }

  /** A new kafkajs producer, hence a new producer id and fresh sequence numbers once it connects. */
  private renewProducerId(): void {
    const old = this.producer;
    this.producer = this.createProducer();
    this.connected = false;
    this.renewBeforeNextSend = false;
    void old.disconnect().catch(() => undefined);
  }

  /**
   * Connects the current producer for a send. If that fails, the broker is still away: the send
   * fails (retriable) and reconnecting goes on in the background, so `isConnected` turns true
   * again by itself. Callers that check it before sending (ingest answers 503 while it is false)
   * would otherwise never send again, and nothing else would ever reconnect.
   */
  private async connectForSend(): Promise<void> {
    if (this.reconnecting !== undefined) throw new KafkaError('Kafka is unreachable: reconnecting', true);
    try {
      await this.producer.connect();
      this.connected = true;
    } catch (e) {
      this.reconnecting = retryRetriable(
        async () => {
          await this.producer.connect();
          this.connected = true;
        },
        { context: 'producer reconnect', shouldRetry: () => true, signal: this.closing.signal },
      )
        .catch(() => undefined)
        .finally(() => (this.reconnecting = undefined));
      throw e;
    }
  }

  async connect(): Promise<void> {
    try {
      await this.producer.connect();
      this.connected = true;
    } catch (e) {
      throw toKafkaError(e, 'producer connect');
    }
  }

  /** Waits for queued sends to settle (bounded by their ack timeouts), then disconnects. Idempotent. */
  async disconnect(): Promise<void> {
    this.closing.abort();
    while (this.queue.length > 0 || this.sending) await new Promise((r) => setTimeout(r, 10));
    await this.reconnecting;
    await this.producer.disconnect();
    this.connected = false;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Messages accepted by `send` and not yet acknowledged or failed. */
  get inFlight(): number {
    return this.queuedMessages;
  }

  /** Writes all batches in one request (with others queued alongside); resolves on acknowledgement. */
  send(batches: readonly TopicMessages[]): Promise<void> {
    const count = batches.reduce((n, b) => n + b.messages.length, 0);
    if (count === 0) return Promise.resolve();
    // A request stuck on the wire longer than the ack timeout means the broker is unreachable:
    // refuse at once rather than make every caller wait out its own timeout.
    if (this.sending && Date.now() - this.sendingSince > this.options.ackTimeoutMs) {
      return Promise.reject(new KafkaError('Kafka is unreachable: the last produce request is still unacknowledged', true));
    }
    if (this.queuedMessages + count > this.options.maxQueuedMessages) {
      return Promise.reject(new BackpressureError(this.queuedMessages, this.options.maxQueuedMessages));
    }
    return new Promise<void>((resolve, reject) => {
      const bytes = Number.isFinite(this.maxBatchBytes) ? batchBytes(batches) : 0;
      const item: Pending = { batches, count, bytes, resolve, reject, timer: undefined, state: 'queued' };
      item.timer = setTimeout(() => this.expire(item), this.options.ackTimeoutMs);
      this.queue.push(item);
      this.queuedMessages += count;
      this.pump();
    });
  }

  private expire(item: Pending): void {
    if (item.state === 'settled') return;
    if (item.state === 'queued') {
      const i = this.queue.indexOf(item);
      if (i >= 0) this.queue.splice(i, 1);
    }
    this.settle(item, new ProduceTimeoutError(this.options.ackTimeoutMs));
  }

  private settle(item: Pending, error?: KafkaError): void {
    if (item.state === 'settled') return;
    item.state = 'settled';
    clearTimeout(item.timer);
    this.queuedMessages -= item.count;
    if (error === undefined) item.resolve();
    else item.reject(error);
  }

  private pump(): void {
    if (this.sending || this.queue.length === 0) return;
    const taken: Pending[] = [];
    let n = 0;
    let bytes = 0;
    const fits = (next: Pending): boolean => n + next.count <= this.maxBatchMessages && bytes + next.bytes <= this.maxBatchBytes;
    while (this.queue.length > 0 && (taken.length === 0 || fits(this.queue[0]))) {
      const item = this.queue.shift()!;
      item.state = 'sending';
      taken.push(item);
      n += item.count;
      bytes += item.bytes;
    }
    this.sending = true;
    this.sendingSince = Date.now();
    void this.sendTaken(taken).finally(() => {
      this.sending = false;
      this.pump();
    });
  }

  private async sendTaken(taken: readonly Pending[]): Promise<void> {
    try {
      if (this.renewBeforeNextSend) this.renewProducerId();
      if (!this.connected) await this.connectForSend();
    } catch (e) {
      // Nothing went on the wire: no sequence numbers to renew.
      const err = toKafkaError(e, 'producer connect');
      taken.forEach((t) => this.settle(t, err));
      return;
    }
    // Sends that timed out while the producer connected were told so: they must not land now.
    const live = taken.filter((t) => t.state !== 'settled');
    if (live.length === 0) return;
    try {
      await this.producer.sendBatch({ acks: -1, topicMessages: mergeByTopic(live) });
      live.forEach((t) => this.settle(t));
    } catch (e) {
      this.renewBeforeNextSend = true;
      const err = toKafkaError(e, 'produce');
      live.forEach((t) => this.settle(t, err));
    }
  }

  /** True while a produce request (or the renewal before one) is outstanding. */
  get requestInFlight(): boolean {
    return this.sending;
  }
}

/**
 * Our message shape to kafkajs's. Without headers or timestamp it already is one (kafkajs only
 * reads it): passed as is, not copied; one object less per produced record.
 */
export function toKafkaMessage(m: OutgoingMessage): Message {
  if (m.headers === undefined && m.timestamp === undefined) return m as Message;
  return {
    key: m.key,
    value: m.value,
    ...(m.headers !== undefined ? { headers: { ...m.headers } } : {}),
    ...(m.partition !== undefined ? { partition: m.partition } : {}),
    ...(m.timestamp !== undefined ? { timestamp: String(m.timestamp) } : {}),
  };
}

function batchBytes(batches: readonly TopicMessages[]): number {
  let bytes = 0;
  for (const b of batches) for (const m of b.messages) bytes += messageBytes(m);
  return bytes;
}

function mergeByTopic(items: readonly Pending[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const item of items) {
    for (const b of item.batches) {
      let list = byTopic.get(b.topic);
      if (list === undefined) byTopic.set(b.topic, (list = []));
      for (const m of b.messages) list.push(toKafkaMessage(m));
    }
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
