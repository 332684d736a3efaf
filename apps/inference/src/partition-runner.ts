import type { ConsumedMessage } from '@streamcell/kafka';
import { ProducerFencedError } from '@streamcell/kafka';
import type { JsonLogger } from '@streamcell/observability';
import type { BatchProcessor } from './batch-processor';
import type { PartitionCommitter } from './commit/committer';
import { PartitionTask, type CommitSnapshot, type CommitTopics } from './partition-task';
import type { StreamStore } from './stream-store';

const COMMIT_RETRIES = 3;
/**
 * Records of a partition not yet in a transaction (outputs, dead letters, changed states), past
 * which processing waits for the one on the wire. Dead letters count: a producer writing garbage
 * makes them fast, and they would pile up for as long as a transaction is slow.
 */
const MAX_UNCOMMITTED_RECORDS = 10_000;
/** Wait before a partition whose processing or re-initialisation failed tries again. */
const RETRY_BROKEN_MS = 1_000;

/**
 * After a fence, how long the runner waits before re-initialising by itself. A fence usually means
 * a new owner, and the revoke that closes this runner follows within a rebalance; re-initialising
 * sooner would fence that owner in turn. A fence without a new owner (a transaction timed out,
 * INVALID_PRODUCER_EPOCH) must still end: a quiet partition gets no batch to do it.
 */
const RETRY_FENCED_MS = 10_000;

/** What a runner needs from the rest of the worker (all passed in: the runner is testable without a broker). */
export interface RunnerContext {
  readonly processor: () => BatchProcessor;
  readonly store: StreamStore;
  readonly topics: CommitTopics;
  /** Exactly-once: commit every commit interval; at-least-once: after every batch. Both overlap with processing. */
  readonly onInterval: boolean;
  readonly commitIntervalMs: number;
  readonly clock: () => number;
  /** (Re)initialises runners: open their committers, read committed offsets, restore their streams. */
  readonly initialise: (runners: readonly PartitionRunner[]) => Promise<void>;
  /** Moves the consumer's fetch position of the partition (after a re-initialisation). */
  readonly seek: (partition: number, offset: bigint) => void;
  /** A snapshot was written: its events' latencies, state gauges. */
  readonly committed: (snapshot: CommitSnapshot, seconds: number) => void;
  readonly failure: (outcome: 'retried' | 'fenced' | 'reinitialised') => void;
  readonly logger: JsonLogger;
  /** Delay between commit retries (tests pass 0). */
  readonly retryDelayMs?: number;
}

/**
 * One input partition owned by this worker: its fetched batches (inbox), processed one at a time
 * and in order; its commits, written one at a time and in order, overlapping with the processing
 * of later batches under exactly-once; and its recovery: a failed commit is retried, then the
 * partition is re-initialised from its last commit (states restored, consumer rewound).
 */
export class PartitionRunner {
  readonly task: PartitionTask;
  private readonly inbox: (readonly ConsumedMessage[])[] = [];
  private inboxCount = 0;
  private pumping = false;
  private commitsInFlight = 0;
  /** A commit was due while one was on the wire: send the pending work when it completes. */
  private commitWanted = false;
  private commitChain: Promise<void> = Promise.resolve();
  private tail: Promise<unknown> = Promise.resolve();
  /** Revoked or stopping: nothing more is processed or committed. */
  private closed = false;

  constructor(
    readonly partition: number,
    readonly committer: PartitionCommitter,
    private readonly ctx: RunnerContext,
  ) {
    this.task = new PartitionTask(partition, ctx.clock());
  }

  /** Fetched messages waiting to be processed (for backpressure). */
  get queued(): number {
    return this.inboxCount;
  }

  /** Ready, nothing pending, nothing on the wire: what it holds is exactly what is committed. */
  get settled(): boolean {
    return this.task.status === 'ready' && !this.task.hasPending && this.commitsInFlight === 0;
  }

  /** Runs `fn` after every earlier one for this partition: processing steps never interleave. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The first batch waits for `init` (several runners are initialised together). */
  initialiseWith(init: Promise<void>): void {
    void this.exclusive(() => init);
  }

  enqueue(messages: readonly ConsumedMessage[]): void {
    if (this.closed) return;
    this.inbox.push(messages);
    this.inboxCount += messages.length;
    void this.pump();
  }

  /** `flush`: commit now even with a transaction on the wire (rebalance, shutdown). Resolves once written. */
  async commitNow(flush: boolean): Promise<void> {
    await this.exclusive(() => {
      this.commit(flush);
      return Promise.resolve();
    });
    await this.commitChain;
  }

  /** Stop: drop what is fetched but unprocessed, commit what is processed. */
  async drain(): Promise<void> {
    this.clearInbox();
    await this.commitNow(true);
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Revoked: the new owner restores from the last commit; our uncommitted work is void. The batch
   * or initialisation in progress finishes first (its step may still bring streams into the
   * store), then the partition's streams are dropped and the committer closed. Resolves then: a
   * runner for the same partition, if it comes back, must not restore before.
   */
  revoke(): Promise<void> {
    this.closed = true;
    this.clearInbox();
    return this.exclusive(async () => {
      this.ctx.store.dropAll(this.task.streams);
      this.task.streams.clear();
      await this.committer.close();
    });
  }

  private clearInbox(): void {
    this.inbox.length = 0;
    this.inboxCount = 0;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.inbox.length > 0 && !this.closed) {
        const messages = this.inbox.shift()!;
        this.inboxCount -= messages.length;
        await this.exclusive(() => this.processQueued(messages));
      }
    } catch (e) {
      this.ctx.logger.error('processing failed; re-initialising the partition from its last commit', { partition: this.partition, error: String(e) });
      this.task.status = 'broken';
      // The re-initialisation must not wait for another fetch: with the fetch loop held by this
      // partition's backpressure, none would come, and every partition would stop.
      this.pumpAgain(this.ctx.retryDelayMs === 0 ? 0 : RETRY_BROKEN_MS);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Runs the pump again after `delayMs` (a timer even at 0: called from the pump's own catch, a
   * direct call would find it still pumping), with at least one (empty) batch to take it to
   * processQueued's re-initialisation.
   */
  private pumpAgain(delayMs: number): void {
    if (this.inbox.length === 0) this.inbox.push([]);
    setTimeout(() => void this.pump(), delayMs).unref();
  }

  private async processQueued(messages: readonly ConsumedMessage[]): Promise<void> {
    if (this.closed) return;
    const task = this.task;
    if (task.status === 'broken') {
      await this.reinitialise();
      return;
    }
    // The consumer's fetch position falls back to the group's committed offset after every
    // rebalance, and commits trail processing; skip what this worker already processed. (It never
    // jumps ahead of what was processed: only processed offsets are ever committed.)
    const fresh = firstFrom(messages, task.expectedOffset);
    if (fresh.length === 0) return;
    await this.ctx.processor().process(task, fresh);
    task.expectedOffset = BigInt(fresh[fresh.length - 1].offset) + 1n;
    // At-least-once writes after every batch, exactly-once every commit interval; either way the
    // write overlaps with processing the next batches (one on the wire, the rest coalesced).
    if (!this.ctx.onInterval || this.ctx.clock() - task.lastCommitAt >= this.ctx.commitIntervalMs) this.commit();
    // Bound the work not yet durable: past a limit, wait for the transaction on the wire.
    if (this.commitsInFlight > 0 && task.pendingRecords >= MAX_UNCOMMITTED_RECORDS) await this.commitChain;
  }

  /** Drops uncommitted work and the partition's streams, restores from the changelog, re-reads from the commit. */
  private async reinitialise(): Promise<void> {
    await this.commitChain;
    this.ctx.store.dropAll(this.task.streams);
    this.task.streams.clear();
    this.task.reset();
    this.commitWanted = false;
    this.clearInbox();
    await this.ctx.initialise([this]);
    if (this.task.status !== 'ready') throw new Error(`partition ${this.partition} could not be initialised`);
    this.ctx.seek(this.partition, this.task.startOffset);
    this.clearInbox();
  }

  /**
   * Takes the pending outputs, changed states and next offset as one transaction and queues it
   * behind the partition's earlier ones. Runs under the partition's exclusive section, so the
   * snapshot matches the states exactly; the write itself overlaps with later processing.
   *
   * One transaction per partition on the wire at a time (unless `flush`: rebalance, shutdown):
   * what is processed meanwhile goes out as one transaction as soon as it completes. Transactions
   * cost the broker several round trips and log writes each; queueing one per commit interval
   * behind a slow one made them slower still (bench:pipeline live phase, 12 partitions, 100 ms
   * interval: p50 0.6–0.9 s with a queue, see docs/decisions.md).
   */
  private commit(flush = false): void {
    if (!this.task.hasPending || this.task.status !== 'ready' || this.closed) return;
    if (this.commitsInFlight > 0 && !flush) {
      this.commitWanted = true;
      return;
    }
    this.commitWanted = false;
    const snapshot = this.snapshot();
    this.commitsInFlight += 1;
    this.commitChain = this.commitChain.then(async () => {
      try {
        if (snapshot.epoch !== this.task.epoch || this.task.status !== 'ready') return; // superseded by a re-initialisation
        await this.write(snapshot);
      } finally {
        this.commitsInFlight -= 1;
        if (this.commitWanted && this.commitsInFlight === 0 && !this.closed) {
          void this.exclusive(() => {
            this.commit();
            return Promise.resolve();
          });
        }
      }
    });
  }

  private snapshot(): CommitSnapshot {
    return this.task.takeSnapshot(this.ctx.topics, (s) => this.ctx.store.record(s), this.ctx.clock());
  }

  /** Writes with retries; a fence or repeated failures mark the partition for re-initialisation. */
  private async write(snapshot: CommitSnapshot): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const started = this.ctx.clock();
      try {
        await this.committer.write(snapshot);
        this.ctx.committed(snapshot, (this.ctx.clock() - started) / 1000);
        return;
      } catch (e) {
        if (e instanceof ProducerFencedError) {
          // Another worker owns the partition now; its restore supersedes our pending work.
          this.ctx.failure('fenced');
          this.ctx.logger.warn('producer fenced; dropping partition work', { partition: this.partition });
          this.task.status = 'broken';
          if (!this.closed) this.pumpAgain(this.ctx.retryDelayMs === 0 ? 0 : RETRY_FENCED_MS);
          return;
        }
        if (this.closed) return; // revoked meanwhile: the new owner restores from the last commit
        if (attempt < COMMIT_RETRIES) {
          // The aborted transaction's records are invisible to read_committed readers; sending
          // the same records and offsets again in a new transaction (under a new producer epoch,
          // see TransactionalProducer.commit) keeps exactly-once. At-least-once may duplicate.
          this.ctx.failure('retried');
          this.ctx.logger.warn('commit failed, retrying', { partition: this.partition, attempt, error: String(e) });
          await new Promise((r) => setTimeout(r, (this.ctx.retryDelayMs ?? 100) * attempt));
          continue;
        }
        // Give up on the in-memory state: restore from the last commit and re-read from there.
        this.ctx.failure('reinitialised');
        this.ctx.logger.error('commit failed repeatedly; re-initialising the partition from its last commit', { partition: this.partition, error: String(e) });
        this.task.status = 'broken';
        this.pumpAgain(0);
        return;
      }
    }
  }
}

/** The messages at or after `from` (the batch is in offset order). */
export function firstFrom(messages: readonly ConsumedMessage[], from: bigint): readonly ConsumedMessage[] {
  if (messages.length === 0 || BigInt(messages[0].offset) >= from) return messages;
  const i = messages.findIndex((m) => BigInt(m.offset) >= from);
  return i < 0 ? [] : messages.slice(i);
}
