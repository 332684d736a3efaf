import type { WeightsBundle } from '../bundle/bundle';

/**
 * One runtime's compiled form of a bundle: runs one recurrent step for a batch of already-gathered
 * states. The state table, gather/scatter, normalisation and duplicate checks live in
 * StreamingModel, so every runtime shares them and a kernel only does arithmetic.
 */
export interface StepKernel {
  /** Engine label used in logs and benchmarks, e.g. 'reference', 'onnx', 'tfjs-wasm'. */
  readonly label: string;
  /**
   * One step. `input` is [batch, inputWidth] (normalised), `states[i]` is [batch, size_i] in
   * `stateTensors(spec)` order and is overwritten with the new states. Returns [batch, headUnits];
   * the returned array may be reused by the next call.
   */
  run(input: Float32Array, states: Float32Array[], batch: number): Float32Array | Promise<Float32Array>;
  /**
   * Optional form of `run` that leaves `states` as they are and writes the new states to
   * `statesOut[i]` ([batch, size_i]) instead, so a runtime that can fill caller memory directly
   * (ONNX Runtime's pre-allocated outputs) needs no copy. Same return value as `run`.
   */
  runInto?(input: Float32Array, states: Float32Array[], statesOut: Float32Array[], batch: number): Float32Array | Promise<Float32Array>;
  /** Recompiles for new weights (same or different architecture). */
  load(bundle: WeightsBundle): void | Promise<void>;
  /** Frees native resources; idempotent. */
  dispose(): void | Promise<void>;
}
