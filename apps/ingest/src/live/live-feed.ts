import { randomUUID } from 'node:crypto';
import type { BatchConsumer, ConsumedMessage, KafkaAdmin, KafkaConnection } from '@streamcell/kafka';
import type { JsonLogger } from '@streamcell/observability';

/** One point of a stream's live chart. */
export type LiveItem =
  | { readonly kind: 'event'; readonly ts: number; readonly values: readonly number[] }
  | { readonly kind: 'prediction'; readonly ts: number; readonly output: readonly number[]; readonly version: number }
  | { readonly kind: 'alert'; readonly ts: number; readonly score: number; readonly expected: readonly number[]; readonly actual: readonly number[]; readonly version: number };

export interface LiveStats {
  readonly eventsPerSec: number;
  readonly predictionsPerSec: number;
  readonly alertsTotal: number;
  readonly modelVersion: number;
  readonly streams: number;
  /** Whether the feed follows the topics yet (they appear once inference has started). */
  readonly following: boolean;
}

type Listener = (item: LiveItem) => void;

const HISTORY = 300;
const MAX_STREAMS = 5000;

/**
 * Feeds the live view: follows `events`, `predictions` and `alerts` (read_committed, from their
 * end, in groups of its own) and keeps a short history per stream for the streams seen last,
 * handing new items to the browsers watching that stream. Bounded: HISTORY items per stream,
 * MAX_STREAMS streams (least recently active dropped first).
 */
export class LiveFeed {
  private readonly history = new Map<string, LiveItem[]>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly consumers: BatchConsumer[] = [];
  private readonly groups: string[] = [];
  private counts = { events: 0, predictions: 0 };
  private rates = { events: 0, predictions: 0 };
  private alertsTotal = 0;
  private modelVersion = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly admin: KafkaAdmin,
    private readonly topics: { events: string; predictions: string; alerts: string },
    private readonly logger: JsonLogger,
  ) {}

  async start(): Promise<void> {
    const follow = async (topic: string, handle: (m: ConsumedMessage) => void): Promise<void> => {
      const groupId = `streamcell-live-${randomUUID()}`;
      this.groups.push(groupId);
      if (this.closed) throw new Error('live feed stopped');
      const consumer = this.connection.consumer({ groupId, topics: [topic], fromBeginning: false, readCommitted: true });
      this.consumers.push(consumer);
      await consumer.start((messages) => {
        for (const m of messages) {
          try {
            handle(m);
          } catch {
            // A record the view cannot read is skipped: the view is best-effort, the topic is not ours.
          }
        }
        return Promise.resolve();
      });
    };
    try {
      await this.followAll(follow);
      // stop() may have run while a consumer was joining; it must not outlive the feed.
      if (this.closed) throw new Error('live feed stopped');
    } catch (e) {
      await Promise.all(this.consumers.splice(0).map((c) => c.stop().catch(() => undefined)));
      throw e;
    }
    this.timer = setInterval(() => {
      this.rates = { ...this.counts };
      this.counts = { events: 0, predictions: 0 };
    }, 1000);
    this.logger.info('live view following topics', this.topics);
  }

  private async followAll(follow: (topic: string, handle: (m: ConsumedMessage) => void) => Promise<void>): Promise<void> {
    await follow(this.topics.events, (m) => {
      const e = JSON.parse(m.value!.toString()) as { stream: string; ts: number; values: number[] };
      this.counts.events += 1;
      this.add(e.stream, { kind: 'event', ts: e.ts, values: e.values });
    });
    await follow(this.topics.predictions, (m) => {
      const p = JSON.parse(m.value!.toString()) as { stream: string; ts: number; output: number[]; model: { version: number } };
      this.counts.predictions += 1;
      this.modelVersion = p.model.version;
      this.add(p.stream, { kind: 'prediction', ts: p.ts, output: p.output, version: p.model.version });
    });
    await follow(this.topics.alerts, (m) => {
      const a = JSON.parse(m.value!.toString()) as { stream: string; ts: number; score: number; expected: number[]; actual: number[]; model: { version: number } };
      this.alertsTotal += 1;
      this.add(a.stream, { kind: 'alert', ts: a.ts, score: a.score, expected: a.expected, actual: a.actual, version: a.model.version });
    });
  }

  /** Stops following; idempotent, and safe while start() is still in progress. */
  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all(this.consumers.splice(0).map((c) => c.stop().catch(() => undefined)));
    await this.admin.deleteGroups(this.groups).catch(() => undefined);
  }

  streams(): string[] {
    return [...this.history.keys()].reverse();
  }

  stats(): LiveStats {
    return {
      eventsPerSec: this.rates.events,
      predictionsPerSec: this.rates.predictions,
      alertsTotal: this.alertsTotal,
      modelVersion: this.modelVersion,
      streams: this.history.size,
      following: this.timer !== undefined,
    };
  }

  /** The stream's recent items, then every new one until the returned function is called. */
  subscribe(stream: string, listener: Listener): { history: readonly LiveItem[]; unsubscribe: () => void } {
    let set = this.listeners.get(stream);
    if (set === undefined) this.listeners.set(stream, (set = new Set()));
    set.add(listener);
    return {
      history: [...(this.history.get(stream) ?? [])],
      unsubscribe: () => {
        set.delete(listener);
        if (set.size === 0) this.listeners.delete(stream);
      },
    };
  }

  private add(stream: string, item: LiveItem): void {
    let list = this.history.get(stream);
    if (list === undefined) {
      if (this.history.size >= MAX_STREAMS) this.history.delete(this.history.keys().next().value!);
      list = [];
    } else this.history.delete(stream); // re-insert: Map order = recency
    this.history.set(stream, list);
    list.push(item);
    if (list.length > HISTORY) list.splice(0, list.length - HISTORY);
    for (const l of this.listeners.get(stream) ?? []) l(item);
  }
}
