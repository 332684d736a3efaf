import type { OutgoingMessage, TopicMessages, TransactionalProducer } from '@streamcell/kafka';

/**
 * Everything one input partition has produced since its last commit: outputs, the streams whose
 * state changed, and the next offset to consume. Committed as one unit — one transaction under
 * exactly-once — so outputs, state and offsets never disagree.
 */
export class PartitionTask {
  status: 'initializing' | 'ready' | 'broken' = 'initializing';
  producer: TransactionalProducer | undefined;
  /** Offset from which this worker (re)started the partition. */
  startOffset = '0';
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
  /** Whether a batch was accepted since (re)initialisation (the first must start at startOffset). */
  hasStarted = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly partition: number) {}

  get hasPending(): boolean {
    return this.nextOffset !== undefined;
  }

  /** Runs `fn` after every earlier one for this partition: processing and commits never interleave. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The records of the pending commit, the state changelog last (key = stream, partition = ours). */
  records(topics: { predictions: string; alerts: string; dlq: string; state: string }, recordOf: (stream: string) => Uint8Array | null): TopicMessages[] {
    const state: OutgoingMessage[] = [];
    for (const s of this.dirty) {
      const r = recordOf(s);
      state.push({ key: s, value: r === null ? null : Buffer.from(r.buffer, r.byteOffset, r.byteLength), partition: this.partition });
    }
    return [
      { topic: topics.predictions, messages: this.predictions },
      { topic: topics.alerts, messages: this.alerts },
      { topic: topics.dlq, messages: this.deadLetters },
      { topic: topics.state, messages: state },
    ].filter((t) => t.messages.length > 0);
  }

  clearPending(): void {
    this.predictions.length = 0;
    this.alerts.length = 0;
    this.deadLetters.length = 0;
    this.eventTimes.length = 0;
    this.dirty.clear();
    this.nextOffset = undefined;
    this.lastCommitAt = Date.now();
  }
}
