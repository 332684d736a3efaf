import { randomUUID } from 'node:crypto';
import type { BatchConsumer, ConsumedMessage, KafkaAdmin, KafkaConnection } from '@streamcell/kafka';
import { anyWidth, decodeAlert, decodeEvent, decodePrediction } from '@streamcell/events';
import type { JsonLogger } from '@streamcell/observability';
import { LiveHistory, type HistoryOptions, type LiveItem } from './live-history';
import { QualityTracker, type OverallQuality, type QualityOptions, type StreamQuality } from './stream-quality';

export type { LiveItem } from './live-history';
export type { OverallQuality, StreamQuality } from './stream-quality';

export interface LiveStats {
  readonly eventsPerSec: number;
  readonly predictionsPerSec: number;
  readonly alertsTotal: number;
  readonly modelVersion: number;
  readonly streams: number;
  /** Whether the feed follows the topics yet (they appear once inference has started). */
  readonly following: boolean;
  /** The model's error against last-value's across the streams followed (see OverallQuality). */
  readonly quality: OverallQuality;
}

type Listener = (item: LiveItem) => void;

/** Which topic a record came from. */
export type LiveTopic = 'events' | 'predictions' | 'alerts';

export interface LiveFeedOptions {
  readonly history?: HistoryOptions;
  readonly quality?: QualityOptions;
}

/**
 * Feeds the live view: follows `events`, `predictions` and `alerts` (read_committed, from their
 * end, in groups of its own), keeps a short history per stream for the streams seen last, hands
 * new items to the browsers watching that stream, and scores forecasts against last-value for
 * every stream it sees. Bounded in items, streams and bytes (LiveHistory, QualityTracker).
 */
export class LiveFeed {
  private readonly history: LiveHistory;
  private readonly errors: QualityTracker;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly consumers: BatchConsumer[] = [];
  private readonly groups: string[] = [];
  private counts = { events: 0, predictions: 0 };
  private rates = { events: 0, predictions: 0 };
  private alertsTotal = 0;
  private modelVersion = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private overall: { at: number; value: OverallQuality } | undefined;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly admin: KafkaAdmin,
    private readonly topics: { events: string; predictions: string; alerts: string },
    private readonly logger: JsonLogger,
    options: LiveFeedOptions = {},
  ) {
    this.history = new LiveHistory(options.history);
    this.errors = new QualityTracker(options.quality);
  }

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
          } catch (e) {
            // A record the view cannot read is skipped: the view is best-effort, the topic is not ours.
            // Debug, not warn: the writers' own dead-letter paths are where a bad record is reported.
            this.logger.debug('live view skipped a record it cannot read', { topic, partition: m.partition, offset: m.offset, error: e });
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
      // The caller retries start() every few seconds until every topic exists: each attempt's
      // groups go with it, or an hour of waiting would leave ~1,800 of them on the broker.
      await Promise.all(this.consumers.splice(0).map((c) => c.stop().catch(() => undefined)));
      // Once stopped, stop() deleted the groups and disconnected the admin: a call now would
      // connect it again and keep the process alive.
      if (!this.closed) await this.admin.deleteGroups(this.groups.splice(0)).catch(() => undefined);
      throw e;
    }
    this.timer = setInterval(() => {
      this.rates = { ...this.counts };
      this.counts = { events: 0, predictions: 0 };
    }, 1000);
    this.logger.info('live view following topics', this.topics);
  }

  private async followAll(follow: (topic: string, handle: (m: ConsumedMessage) => void) => Promise<void>): Promise<void> {
    await follow(this.topics.events, (m) => this.record('events', m.value));
    await follow(this.topics.predictions, (m) => this.record('predictions', m.value));
    await follow(this.topics.alerts, (m) => this.record('alerts', m.value));
  }

  /**
   * Takes one record's value, read with the libs/events decoder of its topic (as the trainer,
   * inference and the alerts service read them); throws on one it cannot read (the caller skips it).
   */
  record(topic: LiveTopic, value: Buffer | string | null): void {
    switch (topic) {
      case 'events': {
        const d = decodeEvent(value, anyWidth, { now: Date.now() });
        if (!d.ok) throw new Error(`${d.reason}: ${d.detail}`);
        const e = d.event;
        this.counts.events += 1;
        this.errors.event(e.stream, e.ts, e.values);
        this.add(e.stream, { kind: 'event', ts: e.ts, values: e.values });
        return;
      }
      case 'predictions': {
        const d = decodePrediction(value);
        if (!d.ok) throw new Error(`${d.reason}: ${d.detail}`);
        const p = d.prediction;
        this.counts.predictions += 1;
        this.modelVersion = p.model.version;
        this.errors.forecast(p.stream, p.ts, p.output);
        this.add(p.stream, { kind: 'prediction', ts: p.ts, output: p.output, version: p.model.version, ...(p.threshold === undefined ? {} : { threshold: p.threshold }) });
        return;
      }
      case 'alerts': {
        const d = decodeAlert(value);
        if (!d.ok) throw new Error(`${d.reason}: ${d.detail}`);
        const a = d.alert;
        this.alertsTotal += 1;
        this.add(a.stream, { kind: 'alert', ts: a.ts, score: a.score, expected: a.expected, actual: a.actual, version: a.model.version });
        return;
      }
    }
  }

  /** Stops following; idempotent, and safe while start() is still in progress. */
  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all(this.consumers.splice(0).map((c) => c.stop().catch(() => undefined)));
    await this.admin.deleteGroups(this.groups).catch(() => undefined);
  }

  streams(): string[] {
    return this.history.ids();
  }

  /** The stream's error figures, or undefined for a stream not seen (or no longer kept). */
  quality(stream: string): StreamQuality | undefined {
    return this.errors.quality(stream);
  }

  stats(): LiveStats {
    return {
      eventsPerSec: this.rates.events,
      predictionsPerSec: this.rates.predictions,
      alertsTotal: this.alertsTotal,
      modelVersion: this.modelVersion,
      streams: this.history.size,
      following: this.timer !== undefined,
      quality: this.overallQuality(),
    };
  }

  /** Sorting every stream's ratio is O(n log n): done at most once a second, however many pages poll. */
  private overallQuality(): OverallQuality {
    const now = Date.now();
    if (this.overall === undefined || now - this.overall.at >= 1000) this.overall = { at: now, value: this.errors.overall() };
    return this.overall.value;
  }

  /** The stream's recent items, then every new one until the returned function is called. */
  subscribe(stream: string, listener: Listener): { history: readonly LiveItem[]; unsubscribe: () => void } {
    let set = this.listeners.get(stream);
    if (set === undefined) this.listeners.set(stream, (set = new Set()));
    set.add(listener);
    return {
      history: this.history.items(stream),
      unsubscribe: () => {
        set.delete(listener);
        if (set.size === 0) this.listeners.delete(stream);
      },
    };
  }

  private add(stream: string, item: LiveItem): void {
    this.history.add(stream, item);
    for (const l of this.listeners.get(stream) ?? []) l(item);
  }
}
