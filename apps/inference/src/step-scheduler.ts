import type { StreamingModel } from '@streamcell/model';

export interface StepResult {
  /** [streams.length, outputWidth] */
  readonly output: Float32Array;
  readonly outputWidth: number;
  /** Version of the model that computed it. */
  readonly modelVersion: number;
}

interface StepRequest {
  readonly kind: 'step';
  readonly streams: readonly string[];
  readonly input: Float32Array;
  readonly prepare: () => void;
  readonly resolve: (r: StepResult) => void;
  readonly reject: (e: unknown) => void;
}

interface ExclusiveRequest {
  readonly kind: 'exclusive';
  readonly run: () => Promise<void>;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/**
 * The one path to the model. Partitions are processed concurrently; each submits its next wave of
 * distinct streams and awaits the outputs. Submissions that arrive while a step runs (or in the
 * same tick) are stepped together as one batch — micro-batching across partitions without a
 * timer. Exclusive work (a weights swap) runs between steps, never during one.
 */
export class StepScheduler {
  private readonly queue: (StepRequest | ExclusiveRequest)[] = [];
  private draining = false;

  constructor(
    private readonly model: () => StreamingModel,
    private readonly observe: (batch: number, seconds: number) => void = () => undefined,
  ) {}

  /**
   * Steps the streams on `input` (one row per stream), merged with the waves queued alongside.
   * `prepare` runs right before the merged step, after every earlier step: that is where a wave
   * revives its streams into the model's table. Revived when submitted, they could be evicted by
   * another partition's wave reviving its own before this one is stepped, and would then be
   * stepped from a zero state.
   */
  step(streams: readonly string[], input: Float32Array, prepare: () => void = () => undefined): Promise<StepResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: 'step', streams, input, prepare, resolve, reject });
      this.schedule();
    });
  }

  exclusive(run: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: 'exclusive', run, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.draining) return;
    this.draining = true;
    // setImmediate, not a microtask: lets every partition handler woken by the same fetch submit first.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0];
        if (head.kind === 'exclusive') {
          this.queue.shift();
          await head.run().then(head.resolve, head.reject);
          continue;
        }
        await this.runSteps(this.takeSteps());
      }
    } finally {
      this.draining = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  /** Leading step requests whose streams are pairwise distinct (a stream may not appear twice in one step). */
  private takeSteps(): StepRequest[] {
    const taken: StepRequest[] = [];
    const seen = new Set<string>();
    // A step may not hold more streams than the state table: merged waves of several partitions
    // beyond it would fail the step (and re-initialise the partitions) for good.
    const capacity = this.model().table.capacity;
    while (this.queue.length > 0 && this.queue[0].kind === 'step') {
      const next = this.queue[0];
      if (taken.length > 0 && (seen.size + next.streams.length > capacity || next.streams.some((s) => seen.has(s)))) break;
      for (const s of next.streams) seen.add(s);
      taken.push(next);
      this.queue.shift();
    }
    return taken;
  }

  private async runSteps(taken: StepRequest[]): Promise<void> {
    const model = this.model();
    const width = model.bundle.spec.inputWidth;
    const requests = taken.filter((r) => {
      // A wave built before a swap that changed the input width: stepped, its rows would be misaligned.
      if (r.input.length !== r.streams.length * width) {
        r.reject(new Error(`a wave built for ${r.input.length / r.streams.length} inputs per event reached a model that takes ${width}`));
        return false;
      }
      try {
        r.prepare();
        return true;
      } catch (e) {
        r.reject(e);
        return false;
      }
    });
    if (requests.length === 0) return;
    const t0 = process.hrtime.bigint();
    try {
      const streams = requests.length === 1 ? requests[0].streams : requests.flatMap((r) => r.streams);
      const input = requests.length === 1 ? requests[0].input : concat(requests, streams.length * width);
      const output = await model.step(streams, input);
      this.observe(streams.length, Number(process.hrtime.bigint() - t0) / 1e9);
      const outputWidth = output.length / streams.length;
      const modelVersion = model.bundle.version;
      let o = 0;
      for (const r of requests) {
        const n = r.streams.length * outputWidth;
        r.resolve({ output: requests.length === 1 ? output : output.subarray(o, o + n), outputWidth, modelVersion });
        o += n;
      }
    } catch (e) {
      for (const r of requests) r.reject(e);
    }
  }
}

function concat(requests: readonly StepRequest[], length: number): Float32Array {
  const input = new Float32Array(length);
  let o = 0;
  for (const r of requests) {
    input.set(r.input, o);
    o += r.input.length;
  }
  return input;
}
