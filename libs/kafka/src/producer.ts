import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { BackpressureError, KafkaError, ProduceTimeoutError, toKafkaError } from './errors';
import type { OutgoingMessage, TopicMessages } from './message';

export interface ProducerOptions {
  /** Messages accepted but not yet acknowledged, across all callers; past it `send` refuses. */
  readonly maxQueuedMessages: number;
  /** How long a caller waits for the broker's acknowledgement before getting ProduceTimeoutError. */
  readonly ackTimeoutMs: number;
  /** Upper bound on messages in one produce request built from queued sends. Default 10,000. */
  readonly maxBatchMessages?: number;
}

interface Pending {
  readonly batches: readonly TopicMessages[];
  readonly count: number;
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
  private readonly maxBatchMessages: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ProducerOptions,
  ) {
    this.producer = this.createProducer();
    this.maxBatchMessages = options.maxBatchMessages ?? 10_000;
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

  /** A new kafkajs producer, hence a new producer id and fresh sequence numbers. */
  private async renewProducerId(): Promise<void> {
    const old = this.producer;
    this.producer = this.createProducer();
    this.connected = false;
    void old.disconnect().catch(() => undefined);
    await this.producer.connect();
    this.connected = true;
    this.renewBeforeNextSend = false;
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
    while (this.queue.length > 0 || this.sending) await new Promise((r) => setTimeout(r, 10));
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
      const item: Pending = { batches, count, resolve, reject, timer: undefined, state: 'queued' };
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
    while (this.queue.length > 0 && (taken.length === 0 || n + this.queue[0].count <= this.maxBatchMessages)) {
      const item = this.queue.shift()!;
      item.state = 'sending';
      taken.push(item);
      n += item.count;
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
      if (this.renewBeforeNextSend) await this.renewProducerId();
      await this.producer.sendBatch({ acks: -1, topicMessages: mergeByTopic(taken) });
      taken.forEach((t) => this.settle(t));
    } catch (e) {
      this.renewBeforeNextSend = true;
      const err = toKafkaError(e, 'produce');
      taken.forEach((t) => this.settle(t, err));
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
