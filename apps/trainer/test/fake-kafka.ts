/**
 * A tiny in-memory Kafka (one partition per topic, transactions, fencing) patched into
 * KafkaConnection's prototype, so TrainerService and ModelRegistry run unchanged in a unit test:
 * for failures a real broker cannot be made to produce on cue (one ListOffsets refused). Each test
 * file runs in its own process, so the patch stays in the file that installs it.
 */
import { KafkaConnection, KafkaError, ProducerFencedError, type ConsumedMessage, type TopicMessages } from '@streamcell/kafka';

interface Rec { key: Buffer | null; value: Buffer | null; headers: Record<string, string>; offset: number; ts: number }

export class World {
  topics = new Map<string, Rec[]>();
  /** next offset (includes commit markers) */
  ends = new Map<string, number>();
  epochs = new Map<string, number>();
  /** Hooks: throw to simulate failures */
  failEndOffsets: ((topic: string) => Error | undefined) | undefined;
  failCommit: ((txId: string, records: readonly TopicMessages[]) => Error | undefined) | undefined;
  consumersStarted = 0;
  consumersStopped = 0;
  producersConnected = 0;
  producersDisconnected = 0;
  liveProducers = new Set<FakeTxProducer>();
  liveConsumers = new Set<FakeConsumer>();

  append(topic: string, msgs: readonly { key: string | Buffer | null; value: string | Buffer | null; headers?: Readonly<Record<string, string>> }[]): void {
    const recs = this.topics.get(topic) ?? [];
    let end = this.ends.get(topic) ?? 0;
    for (const m of msgs) {
      recs.push({
        key: m.key === null ? null : Buffer.from(m.key),
        value: m.value === null ? null : Buffer.from(m.value),
        headers: { ...(m.headers ?? {}) },
        offset: end++,
        ts: Date.now(),
      });
    }
    end++; // commit marker
    this.topics.set(topic, recs);
    this.ends.set(topic, end);
  }

  install(): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const world = this;
    (KafkaConnection.prototype as unknown as Record<string, unknown>).admin = function () {
      return new FakeAdmin(world);
    };
    (KafkaConnection.prototype as unknown as Record<string, unknown>).transactionalProducer = function (o: { transactionalId: string }) {
      return new FakeTxProducer(world, o.transactionalId);
    };
    (KafkaConnection.prototype as unknown as Record<string, unknown>).consumer = function (o: { groupId: string; topics: string[] }) {
      return new FakeConsumer(world, o.topics[0]);
    };
  }
}

class FakeAdmin {
  constructor(private readonly w: World) {}
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  ensureTopics(specs: { name: string }[]): Promise<unknown[]> {
    for (const s of specs) if (!this.w.topics.has(s.name)) { this.w.topics.set(s.name, []); this.w.ends.set(s.name, 0); }
    return Promise.resolve(specs.map((s) => ({ name: s.name, created: false, partitions: 1, configDrift: [] })));
  }
  endOffsets(topic: string): Promise<Map<number, bigint>> {
    const e = this.w.failEndOffsets?.(topic);
    if (e !== undefined) return Promise.reject(e);
    return Promise.resolve(new Map([[0, BigInt(this.w.ends.get(topic) ?? 0)]]));
  }
  async deleteGroups(): Promise<void> {}
  watch(): { start(): void; stop(): void; status: unknown } {
    return { start() {}, stop() {}, status: { reachable: true, brokers: 1, checkedAt: Date.now() } };
  }
}

export class FakeTxProducer {
  private epoch = -1;
  constructor(private readonly w: World, readonly id: string) {}
  connect(): Promise<void> {
    const e = (this.w.epochs.get(this.id) ?? 0) + 1;
    this.w.epochs.set(this.id, e);
    this.epoch = e;
    this.w.producersConnected++;
    this.w.liveProducers.add(this);
    return Promise.resolve();
  }
  async commit(records: readonly TopicMessages[]): Promise<void> {
    await new Promise((r) => setTimeout(r, 2));
    if (this.epoch !== this.w.epochs.get(this.id)) throw new ProducerFencedError(this.id);
    const e = this.w.failCommit?.(this.id, records);
    if (e !== undefined) throw e;
    for (const r of records) this.w.append(r.topic, r.messages);
  }
  disconnect(): Promise<void> {
    this.w.producersDisconnected++;
    this.w.liveProducers.delete(this);
    return Promise.resolve();
  }
}

class FakeConsumer {
  private pos = 0;
  private timer: NodeJS.Timeout | undefined;
  private batchEnd: ((t: string, p: number, last: string) => void)[] = [];
  private stopped = false;
  private busy = false;
  constructor(private readonly w: World, private readonly topic: string) {}
  get crashError(): Error | undefined { return undefined; }
  get healthState(): { state: string } { return { state: this.stopped ? 'stopped' : 'consuming' }; }
  onBatchEnd(l: (t: string, p: number, last: string) => void): void { this.batchEnd.push(l); }
  start(handler: (m: readonly ConsumedMessage[], ctx: unknown) => Promise<unknown>): Promise<void> {
    if (!this.w.topics.has(this.topic)) return Promise.reject(new KafkaError(`topic ${this.topic} does not exist`, true));
    this.w.consumersStarted++;
    this.w.liveConsumers.add(this);
    const tick = async (): Promise<void> => {
      if (this.stopped || this.busy) return;
      this.busy = true;
      try {
        const recs = this.w.topics.get(this.topic) ?? [];
        const end = this.w.ends.get(this.topic) ?? 0;
        if (this.pos < end) {
          const batch = recs.filter((r) => r.offset >= this.pos);
          this.pos = end;
          if (batch.length > 0) {
            await handler(batch.map((r) => ({ topic: this.topic, partition: 0, offset: String(r.offset), key: r.key, value: r.value, headers: r.headers, timestamp: r.ts })), {});
          }
          for (const l of this.batchEnd) l(this.topic, 0, String(end - 1));
        }
      } finally {
        this.busy = false;
      }
    };
    this.timer = setInterval(() => void tick(), 5);
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.w.consumersStopped++;
    this.w.liveConsumers.delete(this);
    return Promise.resolve();
  }
}
