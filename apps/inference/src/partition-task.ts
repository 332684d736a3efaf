import type { OutgoingMessage, TopicMessages } from '@streamcell/kafka';

/** A commit's content, taken from the task at once so processing can go on while it is written. */
export interface CommitSnapshot {
  readonly partition: number;
  readonly records: TopicMessages[];
  readonly nextOffset: string;
  readonly eventTimes: number[];
  readonly epoch: number;
}

/** Where a commit's records go. */
export interface CommitTopics {
  readonly predictions: string;
  readonly alerts: string;
  readonly dlq: string;
  readonly state: string;
}

/**
 * What one input partition owned by this worker has produced and holds: the streams whose state
 * it owns, the outputs and changed states since the last commit, and the offsets they cover. The
 * batch processor, the restorer and the state TTL write here; the partition runner (control flow:
 * inbox, commits, re-initialisation) takes snapshots of it.
 */
export class PartitionTask {
  status: 'initializing' | 'ready' | 'broken' = 'initializing';
  /** Offset from which this worker (re)started the partition: the committed one. */
  startOffset = 0n;
  /** Next offset this worker has not processed yet. */
  expectedOffset = 0n;
  /** Bumped on every (re)initialisation: commits of an older epoch are void. */
  epoch = 0;
  /** Next offset to consume once the pending outputs are committed. */
  nextOffset: string | undefined;
  readonly predictions: OutgoingMessage[] = [];
  readonly alerts: OutgoingMessage[] = [];
  readonly deadLetters: OutgoingMessage[] = [];
  /** Streams whose changelog record must be written at the next commit. */
  readonly dirty = new Set<string>();
  /** Streams of this partition this worker holds state for. */
  readonly streams = new Set<string>();
  /** Event times of the pending outputs, for the end-to-end latency metric. */
  readonly eventTimes: number[] = [];
  lastCommitAt: number;

  constructor(
    readonly partition: number,
    now = Date.now(),
  ) {
    this.lastCommitAt = now;
  }

  get hasPending(): boolean {
    return this.nextOffset !== undefined;
  }

  /** Records the next commit will write: outputs, dead letters and changed states. */
  get pendingRecords(): number {
    return this.predictions.length + this.alerts.length + this.deadLetters.length + this.dirty.size;
  }

  /** Takes the pending outputs and the changed streams' records as one commit's content. */
  takeSnapshot(topics: CommitTopics, recordOf: (stream: string) => Uint8Array | null, now = Date.now()): CommitSnapshot {
    const state: OutgoingMessage[] = [];
    for (const s of this.dirty) {
      const r = recordOf(s);
      state.push({ key: s, value: r === null ? null : Buffer.from(r.buffer, r.byteOffset, r.byteLength), partition: this.partition });
    }
    const records = [
      { topic: topics.predictions, messages: this.predictions.splice(0) },
      { topic: topics.alerts, messages: this.alerts.splice(0) },
      { topic: topics.dlq, messages: this.deadLetters.splice(0) },
      { topic: topics.state, messages: state },
    ].filter((t) => t.messages.length > 0);
    const snapshot = { partition: this.partition, records, nextOffset: this.nextOffset!, eventTimes: this.eventTimes.splice(0), epoch: this.epoch };
    this.dirty.clear();
    this.nextOffset = undefined;
    this.lastCommitAt = now;
    return snapshot;
  }

  /** Forgets everything not committed (re-initialisation). */
  reset(): void {
    this.epoch += 1;
    this.predictions.length = 0;
    this.alerts.length = 0;
    this.deadLetters.length = 0;
    this.eventTimes.length = 0;
    this.dirty.clear();
    this.nextOffset = undefined;
  }
}
