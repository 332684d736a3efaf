import type { ConsumedMessage, OutgoingMessage, TopicMessages, TransactionalProducer } from '@streamcell/kafka';

/** A commit's content, taken from the task at once so processing can go on while it is written. */
export interface CommitSnapshot {
  readonly records: TopicMessages[];
  readonly nextOffset: string;
  readonly eventTimes: number[];
  readonly epoch: number;
}

/**
 * One input partition owned by this worker: the fetched batches waiting to be processed, what was
 * produced since the last commit (outputs, streams whose state changed, next offset), and the
 * chain of commits in flight. Batches are processed one at a time and in order; commits are
 * written one at a time and in order, overlapping with the processing of later batches.
 */
export class PartitionTask {
  status: 'initializing' | 'ready' | 'broken' = 'initializing';
  producer: TransactionalProducer | undefined;
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
  lastCommitAt = Date.now();
  /** Fetched batches not processed yet. */
  readonly inbox: (readonly ConsumedMessage[])[] = [];
  inboxMessages = 0;
  pumping = false;
  /** Commits written or waiting to be written, in order. */
  commitsInFlight = 0;
  /** A commit was due while one was on the wire: send the pending work when it completes. */
  commitWanted = false;
  commitChain: Promise<void> = Promise.resolve();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly partition: number) {}

  get hasPending(): boolean {
    return this.nextOffset !== undefined;
  }

  /** Runs `fn` after every earlier one for this partition: processing steps never interleave. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Takes the pending outputs and the changed streams' records as one commit's content. */
  takeSnapshot(topics: { predictions: string; alerts: string; dlq: string; state: string }, recordOf: (stream: string) => Uint8Array | null): CommitSnapshot {
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
    const snapshot = { records, nextOffset: this.nextOffset!, eventTimes: this.eventTimes.splice(0), epoch: this.epoch };
    this.dirty.clear();
    this.nextOffset = undefined;
    this.lastCommitAt = Date.now();
    return snapshot;
  }

  /** Forgets everything not committed (re-initialisation). */
  reset(): void {
    this.epoch += 1;
    this.commitWanted = false;
    this.predictions.length = 0;
    this.alerts.length = 0;
    this.deadLetters.length = 0;
    this.eventTimes.length = 0;
    this.dirty.clear();
    this.nextOffset = undefined;
    this.inbox.length = 0;
    this.inboxMessages = 0;
  }
}
