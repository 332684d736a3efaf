import type { JsonLogger } from '@streamcell/observability';
import type { InferenceMetrics } from './inference.metrics';
import type { PartitionRunner } from './partition-runner';
import { restoreStreams, type ChangelogReader, type WarmStart } from './state-tiers/restorer';
import type { StreamStore } from './stream-store';

/** The events topic's offsets as the group sees them (an admin client; a fake in tests). */
export interface EventOffsets {
  /** The group's committed offsets (absent or negative: none). */
  committed(): Promise<ReadonlyMap<number, bigint>>;
  /** First offsets of every partition of the topic (its size is the partition count). */
  earliest(): Promise<ReadonlyMap<number, bigint>>;
}

export interface InitialiserDeps {
  readonly offsets: EventOffsets;
  readonly readChangelog: ChangelogReader;
  readonly changelogTopic: string;
  readonly store: StreamStore;
  readonly warmStart: () => WarmStart | undefined;
  readonly clock: () => number;
  readonly metrics: Pick<InferenceMetrics, 'restoreRecords' | 'restoredStreams' | 'restoreDuration'>;
  readonly logger: JsonLogger;
  /** The events topic's partition count, fresh at every initialisation (for the misrouting check). */
  readonly onPartitionCount: (n: number) => void;
}

/**
 * Takes partitions over: fences older owners (the committers' open, exactly-once), reads the
 * committed offsets (stable only after fencing), then restores the partitions' streams from the
 * local checkpoint and the changelog. Never throws: a failed initialisation marks the runners
 * broken, and their next batch tries again.
 */
export class PartitionInitialiser {
  constructor(private readonly deps: InitialiserDeps) {}

  readonly initialise = async (runners: readonly PartitionRunner[]): Promise<void> => {
    const d = this.deps;
    const t0 = d.clock();
    // A partition revoked before or while its committer opens is neither fenced for nor restored:
    // its runner drops whatever it holds once this returns. (An InitProducerId already on the
    // wire cannot be called back: the new owner may be fenced once and re-initialise.)
    const live = (): PartitionRunner[] => runners.filter((r) => !r.isClosed);
    let tasks = runners.map((r) => r.task);
    try {
      await Promise.all(live().map((r) => r.committer.open()));
      tasks = live().map((r) => r.task);
      if (tasks.length === 0) return;
      const committed = await d.offsets.committed();
      const earliest = await d.offsets.earliest();
      if (earliest.size > 0) d.onPartitionCount(earliest.size);
      for (const t of tasks) {
        const c = committed.get(t.partition) ?? -1n;
        t.startOffset = c >= 0n ? c : (earliest.get(t.partition) ?? 0n);
        t.expectedOffset = t.startOffset;
      }
      const { records, streams, fromCheckpoint } = await restoreStreams(d.readChangelog, d.changelogTopic, tasks, d.store, t0, d.warmStart());
      d.metrics.restoreRecords.inc({ source: 'checkpoint' }, fromCheckpoint);
      d.metrics.restoreRecords.inc({ source: 'changelog' }, records);
      for (const t of tasks) t.status = 'ready';
      d.metrics.restoredStreams.inc(streams);
      const ms = d.clock() - t0;
      d.metrics.restoreDuration.observe(ms / 1000);
      d.logger.info('partitions restored', { partitions: tasks.map((t) => t.partition), streams, fromCheckpoint, records, ms });
    } catch (e) {
      for (const t of tasks) t.status = 'broken';
      d.logger.error('partition initialisation failed; will retry on the next batch', { partitions: tasks.map((t) => t.partition), error: String(e) });
    }
  };
}
