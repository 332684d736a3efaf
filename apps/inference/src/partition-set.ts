import type { ConsumedMessage } from '@streamcell/kafka';
import type { JsonLogger } from '@streamcell/observability';
import type { Guarantee } from './commit/committer';
import { PartitionRunner, type RunnerContext } from './partition-runner';
import type { PartitionTask } from './partition-task';
import { expireIdleStates } from './state-tiers/state-expiry';
import type { StreamStore } from './stream-store';

/** Fetched but unprocessed messages per partition before the fetch loop waits. */
const MAX_QUEUED_PER_PARTITION = 20_000;

export type SetContext = Omit<RunnerContext, 'onInterval'> & { readonly guarantee: Guarantee };

/**
 * The partitions this worker owns, one runner each: follows the group's assignments (restoring
 * added partitions together, dropping revoked ones), hands fetched batches to their runner with
 * backpressure, and commits, drains and expires across them. No Kafka client in here: the
 * guarantee's committers, the initialiser and `seek` are passed in, so a test drives it directly.
 */
export class PartitionSet {
  private readonly runners = new Map<number, PartitionRunner>();
  /** Revoked runners still finishing their batch (see PartitionRunner.revoke), by partition. */
  private readonly retiring = new Map<number, Promise<void>>();
  private readonly ctx: RunnerContext;
  private stopping = false;

  constructor(
    private readonly set: SetContext,
    private readonly store: StreamStore,
    private readonly logger: JsonLogger,
  ) {
    this.ctx = { ...set, onInterval: set.guarantee.onInterval };
  }

  get size(): number {
    return this.runners.size;
  }

  runner(partition: number): PartitionRunner | undefined {
    return this.runners.get(partition);
  }

  tasks(): PartitionTask[] {
    return [...this.runners.values()].map((r) => r.task);
  }

  /** The group's new assignment of the events topic to this worker. */
  assign(owned: ReadonlySet<number>): void {
    for (const [p, runner] of this.runners) {
      if (owned.has(p)) continue;
      // Revoked: whoever owns it now restores from the changelog; our uncommitted work is void
      // (its producer gets fenced), so drop it and the partition's streams.
      this.runners.delete(p);
      const retired = runner.revoke().catch((e: unknown) => this.logger.warn('closing a revoked partition failed', { partition: p, error: String(e) }));
      this.retiring.set(p, retired);
      void retired.then(() => {
        if (this.retiring.get(p) === retired) this.retiring.delete(p);
      });
      this.logger.info('partition revoked', { partition: p });
    }
    const added = [...owned].filter((p) => !this.runners.has(p)).map((p) => new PartitionRunner(p, this.set.guarantee.committer(p), this.ctx));
    if (added.length === 0) return;
    for (const r of added) this.runners.set(r.partition, r);
    // Initialise all new partitions together (one changelog read); each one's first batch waits.
    // A partition revoked a moment ago and assigned back waits for its old runner to let go.
    const retiring = added.flatMap((r) => this.retiring.get(r.partition) ?? []);
    const init = Promise.all(retiring).then(() => this.ctx.initialise(added));
    for (const r of added) r.initialiseWith(init);
  }

  /**
   * Queues a fetched batch on its partition's runner and returns, so the next fetch overlaps with
   * processing. 'rewound' when the partition is not ours (the consumer fetches it again later).
   * Backpressure: a partition far behind holds the caller (the fetch loop) until it catches up.
   */
  async offer(messages: readonly ConsumedMessage[]): Promise<'rewound' | undefined> {
    if (messages.length === 0) return undefined;
    const runner = this.runners.get(messages[0].partition);
    if (runner === undefined || this.stopping) return 'rewound';
    runner.enqueue(messages);
    while (runner.queued > MAX_QUEUED_PER_PARTITION && this.runners.get(runner.partition) === runner && !this.stopping) {
      await new Promise((r) => setTimeout(r, 5));
    }
    return undefined;
  }

  /** `interval`: commit partitions with no transaction on the wire; `rebalance`: everything, now. */
  async commitAll(why: 'interval' | 'rebalance'): Promise<void> {
    // At-least-once writes after every batch; only a rebalance has something to force out.
    if (why === 'interval' && !this.set.guarantee.onInterval) return;
    await Promise.all([...this.runners.values()].map((r) => r.commitNow(why === 'rebalance'))).catch((e: unknown) =>
      this.logger.warn('commit failed', { why, error: String(e) }),
    );
  }

  /** Stop: drop what is not processed, commit what is. Resolves once every final commit is written. */
  async drain(): Promise<void> {
    this.stopping = true;
    for (const r of this.runners.values()) {
      await r.drain().catch((e: unknown) => this.logger.warn('final commit failed', { partition: r.partition, error: String(e) }));
    }
  }

  /** Whether the partition's last commit is written and nothing is pending (for the checkpoint). */
  settled(task: PartitionTask): boolean {
    return this.runners.get(task.partition)?.settled ?? false;
  }

  /** Closes every runner's committer (after drain). */
  async close(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.committer.close()));
  }

  /** State TTL, one sweep (the caller runs it between steps); tombstones go with each partition's next commit. */
  expire(now: number, ttlMs: number): number {
    const { touched, expired } = expireIdleStates(this.store, this.tasks(), now, ttlMs);
    // At-least-once commits only after a batch: write the tombstones of idle partitions now.
    if (!this.set.guarantee.onInterval) {
      for (const t of touched) {
        void this.runners
          .get(t.partition)
          ?.commitNow(false)
          .catch((e: unknown) => this.logger.warn('flush failed', { partition: t.partition, error: String(e) }));
      }
    }
    return expired;
  }
}
