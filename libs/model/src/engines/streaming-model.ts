import { architectureFingerprint, sameArchitecture, type WeightsBundle } from '../bundle/bundle';
import { DuplicateStreamError, StateTableError } from '../errors';
import { Normalizer } from '../spec/normalization';
import { stateTensors } from '../spec/shapes';
import { StreamTransform } from '../spec/stream-transform';
import { type EvictionEvent, StateTable } from '../state/state-table';
import { DEFAULT_ENGINE, type EngineConfig } from './config';
import { createKernel } from './factory';
import type { StepKernel } from './kernel';

export interface StreamingModelOptions {
  readonly bundle: WeightsBundle;
  /** Runtime; default { kind: 'onnx' } (see docs/model.md for how to choose). */
  readonly engine?: EngineConfig;
  /** Maximum streams with state; least recently used beyond it are evicted. */
  readonly capacity: number;
  /** Idle streams older than this are evicted by evictIdle(). Milliseconds; default never. */
  readonly idleTimeoutMs?: number;
  /** Called synchronously for every evicted stream, with its state bytes. */
  readonly onEvict?: (event: EvictionEvent) => void;
}

/**
 * Stateful per-stream inference: a compiled kernel plus the host state table. step() gathers the
 * states of B distinct streams, runs one step, scatters the new states back and returns the head's
 * outputs. Steps must be awaited one at a time (they share scratch buffers and the table).
 */
export class StreamingModel {
  private kernel: StepKernel;
  private current: WeightsBundle;
  private normalizer: Normalizer;
  /** Per-stream scaling / change forecasting / per-stream adaptation, or null (global normalisation only). */
  private transform: StreamTransform | null;
  private table_: StateTable;
  private readonly options: StreamingModelOptions;
  private scratchBatch = 0;
  private slots = new Int32Array(0);
  private states: Float32Array[] = [];
  /** The recurrent states only (the kernel's view of `states`, without the transform's). */
  private kernelStates: Float32Array[] = [];
  /** Where a kernel with runInto writes the new recurrent states. */
  private kernelOut: Float32Array[] = [];
  /** What scatter copies back after runInto: the new recurrent states, then the transform's (updated in place). */
  private scatterFrom: Float32Array[] = [];
  private input = new Float32Array(0);
  private busy = false;
  private disposed = false;

  private constructor(kernel: StepKernel, options: StreamingModelOptions) {
    this.kernel = kernel;
    this.current = options.bundle;
    this.options = options;
    this.normalizer = new Normalizer(options.bundle.spec);
    this.transform = StreamTransform.of(options.bundle.spec);
    this.table_ = this.newTable(options.bundle);
  }

  /** Compiles the bundle for the engine; fails with EngineUnavailableError when the engine cannot start. */
  static async create(options: StreamingModelOptions): Promise<StreamingModel> {
    const kernel = await createKernel(options.bundle, options.engine ?? DEFAULT_ENGINE);
    return new StreamingModel(kernel, options);
  }

  get bundle(): WeightsBundle {
    return this.current;
  }

  get table(): StateTable {
    return this.table_;
  }

  get engine(): string {
    return this.kernel.label;
  }

  /**
   * One step for B distinct streams. `input` is [B, inputWidth] raw (un-normalised) values; returns
   * a new [B, headUnits] array (de-normalised for a 'next-values' head). A stream named twice throws
   * DuplicateStreamError; streams before the duplicate will have been created/touched, none stepped.
   * `now` (ms) stamps recency for idle eviction.
   */
  async step(streamIds: readonly string[], input: Float32Array, now: number = Date.now()): Promise<Float32Array> {
    if (this.disposed) throw new StateTableError('step() on a disposed StreamingModel');
    if (this.busy) throw new StateTableError('step() called while another step is running; await each step');
    const batch = streamIds.length;
    const spec = this.current.spec;
    if (input.length !== batch * spec.inputWidth) {
      throw new StateTableError(`input has ${input.length} values, expected ${batch} streams × ${spec.inputWidth} features`);
    }
    if (batch > this.table_.capacity) {
      throw new StateTableError(`batch of ${batch} streams exceeds the state table capacity ${this.table_.capacity}`);
    }
    if (batch === 0) return new Float32Array(0);
    this.busy = true;
    try {
      this.ensureScratch(batch);
      const dup = this.table_.acquireAll(streamIds, now, this.slots);
      if (dup >= 0) throw new DuplicateStreamError(`stream ${JSON.stringify(streamIds[dup])} appears more than once in one step`);
      const x = this.input.subarray(0, batch * spec.inputWidth);
      this.table_.gather(this.slots, batch, this.states);
      const transform = this.transform;
      const aux = transform === null ? null : this.states[this.kernelStates.length];
      if (transform !== null && aux !== null) transform.prepare(input, aux, batch, x);
      else this.normalizer.normalizeInput(input, x, batch);
      const kernel = this.kernel;
      const y =
        kernel.runInto !== undefined ? await kernel.runInto(x, this.kernelStates, this.kernelOut, batch) : await kernel.run(x, this.kernelStates, batch);
      const out = y.slice(0, batch * spec.head.units);
      if (transform !== null && aux !== null) transform.finish(input, out, aux, batch);
      else this.normalizer.denormalizeOutput(out, batch);
      this.table_.scatter(this.slots, batch, kernel.runInto !== undefined ? this.scatterFrom : this.states);
      return out;
    } finally {
      this.busy = false;
    }
  }

  /** Evicts streams idle longer than idleTimeoutMs; returns how many. */
  evictIdle(now: number = Date.now()): number {
    return this.table_.evictIdle(now);
  }

  /**
   * Recompiles for a new bundle. States carry over only when the architecture is unchanged
   * (sameArchitecture); otherwise every stream restarts from zero state.
   */
  async swapWeights(bundle: WeightsBundle): Promise<{ statesKept: boolean }> {
    if (this.busy) throw new StateTableError('swapWeights() called while a step is running');
    const keep = sameArchitecture(this.current.spec, bundle.spec);
    this.busy = true;
    try {
      await this.kernel.load(bundle);
    } finally {
      this.busy = false;
    }
    this.current = bundle;
    this.normalizer = new Normalizer(bundle.spec);
    this.transform = StreamTransform.of(bundle.spec);
    if (!keep) {
      this.table_ = this.newTable(bundle);
      this.scratchBatch = 0;
    }
    return { statesKept: keep };
  }

  /** Frees the kernel's native resources; idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.kernel.dispose();
  }

  private newTable(bundle: WeightsBundle): StateTable {
    const aux = StreamTransform.of(bundle.spec)?.auxSize ?? 0;
    return new StateTable({
      capacity: this.options.capacity,
      // The transform's per-stream state rides along as one more state tensor, so it is restored,
      // evicted and written to the changelog exactly like the recurrent states.
      stateSizes: [...stateTensors(bundle.spec).map((s) => s.size), ...(aux > 0 ? [aux] : [])],
      idleTimeoutMs: this.options.idleTimeoutMs,
      onEvict: this.options.onEvict,
      fingerprint: architectureFingerprint(bundle.spec),
    });
  }

  private ensureScratch(batch: number): void {
    if (batch <= this.scratchBatch) return;
    this.slots = new Int32Array(batch);
    // Staging buffers inside the table's memory make gather/scatter memmoves; plain arrays past its reserve.
    const [states, out] = this.table_.staging(batch, 2) ?? [0, 1].map(() => this.table_.stateSizes.map((s) => new Float32Array(batch * s)));
    const n = stateTensors(this.current.spec).length;
    this.states = states;
    this.kernelStates = states.slice(0, n);
    this.kernelOut = out.slice(0, n);
    this.scatterFrom = [...this.kernelOut, ...states.slice(n)];
    this.input = new Float32Array(batch * this.current.spec.inputWidth);
    this.scratchBatch = batch;
  }
}
