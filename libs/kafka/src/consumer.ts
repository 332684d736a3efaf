import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { KafkaLogger } from './client';
import { ConsumerHealthTracker, type ConsumerHealth } from './consumer-health';
import { toKafkaError } from './errors';
import { fromKafkaMessage, type ConsumedMessage } from './message';

export interface BatchConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Start from the earliest offset when the group has none. Default true. */
  readonly fromBeginning?: boolean;
  /** read_committed (default) hides records of aborted and open transactions. */
  readonly readCommitted?: boolean;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly maxBytesPerPartition?: number;
  /** Partitions handled concurrently (kafkajs partitionsConsumedConcurrently). Default 1. */
  readonly concurrency?: number;
  /**
   * Commit processed offsets through the group (default true). False when the app commits them
   * itself inside Kafka transactions (exactly-once): then processed offsets only move the fetch
   * position.
   */
  readonly autoCommit?: boolean;
}

/** Partitions of each topic this member owns after a rebalance. */
export type Assignment = ReadonlyMap<string, readonly number[]>;

export interface BatchContext {
  /** Marks everything up to and including this message as processed (committable). */
  markProcessed(message: ConsumedMessage): void;
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was revoked: stop early. */
  isActive(): boolean;
  /** The partition's high watermark when the batch was fetched. */
  readonly highWatermark: string;
}

/**
 * `'rewound'` tells the consumer the handler moved the fetch position (seek) and nothing of the
 * batch may be marked processed.
 */
export type BatchOutcome = void | 'rewound';

/**
 * Called with each fetched batch of one partition. Offsets are committed only for messages the
 * handler marked processed, plus the whole batch when it returns normally. If it throws, the
 * processed offsets are committed and the rest of the batch is fetched again (kafkajs semantics).
 */
export type BatchHandler = (messages: readonly ConsumedMessage[], ctx: BatchContext) => Promise<BatchOutcome>;

const RESTART_INITIAL_MS = 1000;
const RESTART_MAX_MS = 10_000;

/**
 * Errors kafkajs classes as non-retriable that only say the cluster could not be reached or found
 * for a while (by the error's or its cause's name).
 */
const transientNames = new Set(['KafkaJSGroupCoordinatorNotFound', 'KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSBrokerNotFound', 'KafkaJSRequestTimeoutError', 'KafkaJSNumberOfRetriesExceeded']);

export function isTransient(error: Error): boolean {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) if (transientNames.has(e.name)) return true;
  return false;
}

/** A consumer-group member that hands whole batches to one handler. */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private running = false;
  private stopped = false;
  private readonly health = new ConsumerHealthTracker();
  private handler: BatchHandler | undefined;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    kafka: Kafka,
    private readonly options: BatchConsumerOptions,
    private readonly logger: KafkaLogger,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      readUncommitted: options.readCommitted === false,
      allowAutoTopicCreation: false,
      ...(options.sessionTimeoutMs !== undefined ? { sessionTimeout: options.sessionTimeoutMs } : {}),
      ...(options.heartbeatIntervalMs !== undefined ? { heartbeatInterval: options.heartbeatIntervalMs } : {}),
      ...(options.maxBytesPerPartition !== undefined ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
      // After a crash kafkajs disconnects, then schedules a restart. A stop() that lands while the
      // crash is being handled clears no timer yet, and the restart would bring back a consumer
      // nobody stops (seen in CI: a test process kept alive by a live-view consumer retrying a
      // stopped broker forever). Asked after the disconnect, this closes that window.
      retry: { retries: 5, restartOnFailure: () => Promise.resolve(!this.stopped) },
    });
    // A restart already under way when stop() ran joins the group afterwards: leave again.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      if (this.stopped) void this.consumer.disconnect().catch(() => undefined);
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      if (this.stopped) return;
      // kafkajs gives up on some errors that only mean "the cluster is not reachable right now":
      // a broker restart that lands during the group-coordinator lookup ends in
      // KafkaJSGroupCoordinatorNotFound, which it classes as non-retriable (seen in CI: ingest's
      // raw forwarder stayed failed after a broker restart). Those we restart ourselves.
      const ours = !restart && isTransient(error);
      this.health.crashed(error, restart || ours);
      // A crash that is restarted (broker restart, network cut) heals by itself: a warning.
      // One nobody restarts needs a person.
      if (restart || ours) this.logger.warn('consumer crashed; restarting it', { groupId: options.groupId, error: error.message });
      else this.logger.error('consumer crashed; not restarting', { groupId: options.groupId, error: error.message });
      if (ours) this.scheduleRestart();
    });
    // A restarted consumer rejoins the group, then fetches: either proves it works again.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.health.active());
    this.consumer.on(this.consumer.events.FETCH_START, () => this.health.active());
  }

  /**
   * Set only when kafkajs gave up on the consumer (a crash it does not restart from). Crashes it
   * restarts from are reported by `healthState` until the consumer rejoins the group.
   */
  get crashError(): Error | undefined {
    const h = this.health.current;
    return h.state === 'failed' ? h.error : undefined;
  }

  /** What the consumer is doing now, from state it already holds (readiness probes read it). */
  get healthState(): ConsumerHealth {
    return this.health.current;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Called after every fetched batch with the offset it reached, including batches that hold only
   * transaction markers or aborted records (the handler never sees those). Readers that wait for
   * "the end of the partition" need it: after a transactional write the last offset is a commit
   * marker, never delivered as a message.
   */
  onBatchEnd(listener: (topic: string, partition: number, lastOffset: string) => void): void {
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, (event) => listener(event.payload.topic, event.payload.partition, event.payload.lastOffset));
  }

  /** Called after every group join with this member's new assignment (before its first fetch). */
  onAssignment(listener: (assignment: Assignment) => void): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const a = new Map<string, number[]>();
      for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) a.set(topic, [...partitions].sort((x, y) => x - y));
      listener(a);
    });
  }

  /** Called when the group starts rebalancing: a last chance to finish open work. */
  onRebalancing(listener: () => void): void {
    this.consumer.on(this.consumer.events.REBALANCING, () => listener());
  }

  /**
   * Commits consumed offsets (next offset to read) through the group; for apps that run with
   * autoCommit false and commit only after their outputs are durable.
   */
  async commitOffsets(offsets: readonly { topic: string; partition: number; offset: string }[]): Promise<void> {
    try {
      await this.consumer.commitOffsets(offsets.map((o) => ({ ...o })));
    } catch (e) {
      throw toKafkaError(e, `consumer ${this.options.groupId} commit`);
    }
  }

  /** Stops fetching the topics (the member stays in the group: its partitions stay assigned). */
  pause(topics: readonly string[]): void {
    this.consumer.pause(topics.map((topic) => ({ topic })));
  }

  /** Moves the fetch position of one partition (takes effect on the next fetch). */
  seek(topic: string, partition: number, offset: string): void {
    this.consumer.seek({ topic, partition, offset });
  }

  async start(handler: BatchHandler): Promise<void> {
    if (this.stopped) return;
    this.handler = handler;
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
      // stop() during connect/subscribe: do not start running a consumer nobody will stop.
      if (this.stopped) {
        await this.consumer.disconnect();
        return;
      }
      // kafkajs's run() resolves even when the first group join crashed (it reports the crash and
      // restarts or gives up by itself): "consuming" comes from the group join it emits on success,
      // never from run() returning, which would have hidden a failed join for a whole outage.
      await this.runWith(handler);
      this.running = true;
    } catch (e) {
      throw toKafkaError(e, `consumer ${this.options.groupId} start`);
    }
  }

  private runWith(handler: BatchHandler): Promise<void> {
    return this.consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: this.options.autoCommit ?? true,
      partitionsConsumedConcurrently: this.options.concurrency ?? 1,
      eachBatch: (payload) => this.onBatch(payload, handler),
    });
  }

  /**
   * Restarts after a transient crash kafkajs does not restart from, as kafkajs restarts itself:
   * connect and run again (the subscription is kept; the crash already disconnected), with backoff
   * (1 s doubling to 10 s) until it runs or stop() is called.
   */
  private scheduleRestart(delayMs = RESTART_INITIAL_MS): void {
    const handler = this.handler;
    if (handler === undefined || this.stopped || this.restartTimer !== undefined) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      void this.consumer
        .connect()
        // stop() while connecting: its disconnect may have run before this connect finished, and a
        // connected client nobody disconnects keeps the process alive (seen in CI).
        .then(() => (this.stopped ? this.consumer.disconnect() : this.runWith(handler)))
        .catch((e: unknown) => {
          this.logger.warn('consumer restart failed; retrying', { groupId: this.options.groupId, error: e instanceof Error ? e.message : String(e) });
          this.scheduleRestart(Math.min(delayMs * 2, RESTART_MAX_MS));
        });
    }, delayMs);
  }

  /** Finishes the batch in progress, commits, and leaves the group. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.health.stopped();
    await this.consumer.disconnect();
  }

  private async onBatch(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const messages: ConsumedMessage[] = batch.messages.map((m) => fromKafkaMessage(batch.topic, batch.partition, m));
    const ctx: BatchContext = {
      markProcessed: (m) => payload.resolveOffset(m.offset),
      heartbeat: () => payload.heartbeat(),
      isActive: () => payload.isRunning() && !payload.isStale(),
      highWatermark: batch.highWatermark,
    };
    if ((await handler(messages, ctx)) === 'rewound') return;
    payload.resolveOffset(batch.lastOffset());
    await payload.commitOffsetsIfNecessary();
  }
}
