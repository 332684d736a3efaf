import { rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaAdmin } from '@streamcell/kafka';
import type { JsonLogger } from '@streamcell/observability';
import type { InferenceConfig } from '../config';
import type { PartitionTask } from '../partition-task';
import { StreamStore } from '../stream-store';
import { removeDeadProcessDirs, TEMP_STATE_PREFIX } from './dead-spill-sweep';
import { HostStateCache } from './host-cache';
import { LmdbTier } from './lmdb-tier';
import { LocalCheckpoint } from './local-checkpoint';
import { checkpointPartitions, type WarmStart } from './restorer';

type StateConfig = Pick<InferenceConfig, 'stateDir' | 'stateTtlMs' | 'stateMemoryBytes' | 'groupId' | 'inferenceState' | 'checkpointMaxAgeMs'>;

/**
 * One worker's state below the engine: the host tiers (bounded memory, then this thread's LMDB
 * spill directory) behind its StreamStore, and the local checkpoint that makes a restart warm.
 */
export class WorkerState {
  readonly store: StreamStore;
  private readonly diskTier: LmdbTier;
  /** Warm restarts: only with a configured INFERENCE_STATE_DIR (a temp dir does not outlive us). */
  private readonly checkpoint: LocalCheckpoint | undefined;
  /** The per-process directory this made in the system temp dir, when none is configured. */
  private readonly tempDir: string | undefined;

  /**
   * @param thread which of the process's worker threads this is (INFERENCE_THREADS): each spills to its own directory
   * @param onEvicted counts a stream evicted from the engine, by reason
   */
  constructor(
    private readonly config: StateConfig,
    thread: number,
    onEvicted: (reason: string) => void,
    private readonly admin: Pick<KafkaAdmin, 'startOffsets' | 'endOffsets'>,
    private readonly logger: JsonLogger,
  ) {
    this.tempDir = config.stateDir === '' ? join(tmpdir(), `${TEMP_STATE_PREFIX}${process.pid}`) : undefined;
    if (this.tempDir !== undefined && thread === 0) {
      const removed = removeDeadProcessDirs(tmpdir());
      if (removed.length > 0) logger.info('removed spill directories of processes no longer running', { directories: removed });
    }
    const stateDir = this.tempDir ?? config.stateDir;
    // The spill tier is a cache of this thread's streams; the checkpoint directory is shared (LMDB
    // takes writers from several threads), so a partition's checkpoint is found by whichever
    // thread gets the partition after a restart.
    this.diskTier = new LmdbTier(join(stateDir, thread === 0 ? 'spill' : `spill-${thread}`), config.stateTtlMs > 0);
    this.checkpoint = this.tempDir === undefined ? new LocalCheckpoint(join(stateDir, 'checkpoint'), `${config.groupId}|${config.inferenceState}`) : undefined;
    this.store = new StreamStore(new HostStateCache(config.stateMemoryBytes, this.diskTier), onEvicted);
  }

  /** What a restore needs to start from the local checkpoint, or undefined without one. */
  warmStart(): WarmStart | undefined {
    if (this.checkpoint === undefined) return undefined;
    const topic = this.config.inferenceState;
    return {
      checkpoint: this.checkpoint,
      offsets: async () => ({ start: await this.admin.startOffsets(topic), end: await this.admin.endOffsets(topic) }),
      maxAgeMs: this.config.checkpointMaxAgeMs,
    };
  }

  /** At a clean stop, after the final commits: the settled partitions' states for a warm restart. */
  async writeCheckpoint(tasks: Iterable<PartitionTask>, settled: (t: PartitionTask) => boolean): Promise<void> {
    if (this.checkpoint === undefined) return;
    try {
      const end = await this.admin.endOffsets(this.config.inferenceState);
      const { partitions, streams } = checkpointPartitions(this.checkpoint, tasks, this.store, end, settled);
      this.logger.info('state checkpoint written for a warm restart', { partitions, streams });
    } catch (e) {
      // Only a slower next start: it restores from the changelog.
      this.logger.warn('could not write the state checkpoint', { error: String(e) });
    }
  }

  async close(): Promise<void> {
    this.diskTier.close();
    await this.checkpoint?.close().catch(() => undefined);
    if (this.tempDir === undefined) return;
    // The threads of one process share the directory: the last one out removes it (rmdir refuses
    // while another thread's spill directory is still there).
    try {
      rmdirSync(this.tempDir);
    } catch {
      // not empty yet, or already gone
    }
  }
}
