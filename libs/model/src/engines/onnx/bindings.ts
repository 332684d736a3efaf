import type * as Ort from 'onnxruntime-node';
import type { StepGraphIo } from './graph';

/** The same memory, even through a new subarray object (StreamingModel slices its scratch per step). */
const sameView = (a: Float32Array, b: Float32Array): boolean => a.buffer === b.buffer && a.byteOffset === b.byteOffset;

/** ORT tensors over one set of caller buffers at one batch size. */
export interface Binding {
  readonly feeds: Record<string, Ort.Tensor>;
  /** Pre-allocated outputs: ORT writes the new states straight into the caller's `statesOut`. */
  readonly fetches: Record<string, Ort.Tensor>;
  /** The head's output, [batch, outputWidth]; reused by the next run at this batch size. */
  readonly y: Float32Array;
}

interface Entry extends Binding {
  readonly views: readonly Float32Array[];
}

/**
 * Feeds and fetches of the step graph, made once per (buffers, batch) and reused: a serving loop
 * steps the same scratch buffers at a handful of batch sizes, so tensor objects and output arrays
 * need not be created per call. Bounded: past `limit` batch sizes the cache starts over.
 */
export class TensorBindings {
  private readonly byBatch = new Map<number, Entry>();

  constructor(
    private readonly tensor: typeof Ort.Tensor,
    private readonly io: StepGraphIo,
    private readonly inputWidth: number,
    private readonly stateSizes: readonly number[],
    private readonly outputWidth: number,
    private readonly limit = 32,
  ) {}

  get(input: Float32Array, states: readonly Float32Array[], statesOut: readonly Float32Array[], batch: number): Binding {
    const hit = this.byBatch.get(batch);
    if (hit !== undefined && this.matches(hit, input, states, statesOut)) return hit;
    if (hit !== undefined || this.byBatch.size >= this.limit) this.clear();
    const entry = this.make(input, states, statesOut, batch);
    this.byBatch.set(batch, entry);
    return entry;
  }

  /** Drops every binding (its tensors wrap caller memory; dispose() releases nothing native on CPU but keeps to the API). */
  clear(): void {
    for (const e of this.byBatch.values()) {
      for (const t of Object.values(e.feeds)) t.dispose();
      for (const t of Object.values(e.fetches)) t.dispose();
    }
    this.byBatch.clear();
  }

  private matches(e: Entry, input: Float32Array, states: readonly Float32Array[], statesOut: readonly Float32Array[]): boolean {
    const v = e.views;
    if (!sameView(v[0], input)) return false;
    const n = states.length;
    for (let i = 0; i < n; i++) if (!sameView(v[1 + i], states[i]) || !sameView(v[1 + n + i], statesOut[i])) return false;
    return true;
  }

  private make(input: Float32Array, states: readonly Float32Array[], statesOut: readonly Float32Array[], batch: number): Entry {
    const T = this.tensor;
    const feeds: Record<string, Ort.Tensor> = { [this.io.input]: new T('float32', input.subarray(0, batch * this.inputWidth), [batch, this.inputWidth]) };
    const y = new Float32Array(batch * this.outputWidth);
    const fetches: Record<string, Ort.Tensor> = { [this.io.output]: new T('float32', y, [batch, this.outputWidth]) };
    this.io.stateInputs.forEach((name, i) => {
      const size = this.stateSizes[i];
      feeds[name] = new T('float32', states[i].subarray(0, batch * size), [batch, size]);
      fetches[this.io.stateOutputs[i]] = new T('float32', statesOut[i].subarray(0, batch * size), [batch, size]);
    });
    return { feeds, fetches, y, views: [input, ...states, ...statesOut] };
  }
}
