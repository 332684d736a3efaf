import { TrainingError } from '../errors';
import { Normalizer } from '../spec/normalization';
import type { ResolvedSpec } from '../spec/spec';
import { stateTensors } from '../spec/shapes';
import { StreamTransform } from '../spec/stream-transform';

/**
 * Training/evaluation data: S streams of T consecutive events, trained in parallel (one stream per
 * batch row). Values are raw; the model's normalisation is applied here.
 */
export interface SequenceData {
  /** Streams S. */
  readonly streams: number;
  /** Steps per stream T. */
  readonly steps: number;
  /** [S, T, inputWidth], stream-major, raw values. */
  readonly inputs: Float32Array;
  /** [S, T, headUnits]: what the head should output at each step (e.g. the next event's values). */
  readonly targets: Float32Array;
  /**
   * States at step 0, one array per state tensor ([S, size], stateTensors(spec) order), e.g. the
   * finalStates of the previous call so streams continue. Default zeros.
   */
  readonly initialStates?: readonly Float32Array[];
}

/** Per-step, batch-major host arrays ([S, F] and [S, out] for each t), normalised. */
export interface StepMajorData {
  readonly xs: Float32Array[];
  readonly ys: Float32Array[];
  readonly initial: Float32Array[];
}

/** Step-major host arrays flattened: x [T·S, F] and y [T·S, out] (row t·S + r), normalised. */
export interface FlatStepMajorData {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly initial: Float32Array[];
}

/** Stream-major [S, T, w] → step-major [T, S, w], one element loop (no per-row subarrays). */
function transpose(src: Float32Array, s: number, t: number, w: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < s; r++) {
    for (let step = 0; step < t; step++) {
      const from = (r * t + step) * w;
      const to = (step * s + r) * w;
      for (let j = 0; j < w; j++) out[to + j] = src[from + j];
    }
  }
  return out;
}

/**
 * `modelSpace`: inputs and targets are already what the network sees and should output (the
 * caller applied the per-stream transform, e.g. the online trainer); otherwise they are raw and the
 * spec's global normalisation is applied here. A spec with a per-stream transform (streamScaling,
 * change forecasting) can only be trained on model-space data: its transform depends on each
 * stream's history, which a batch of windows does not carry.
 */
export function toFlatStepMajor(spec: ResolvedSpec, data: SequenceData, modelSpace = false): FlatStepMajorData {
  if (!modelSpace && StreamTransform.of(spec) !== null) {
    throw new TrainingError('this spec scales per stream or forecasts changes: train it on model-space data (TrainOptions.modelSpace)');
  }
  const { streams: s, steps: t } = data;
  const f = spec.inputWidth;
  const o = spec.head.units;
  if (!Number.isInteger(s) || s < 1 || !Number.isInteger(t) || t < 1) {
    throw new TrainingError(`streams and steps must be positive integers, got ${s} and ${t}`);
  }
  if (data.inputs.length !== s * t * f) throw new TrainingError(`inputs has ${data.inputs.length} values, expected ${s}×${t}×${f}`);
  if (data.targets.length !== s * t * o) throw new TrainingError(`targets has ${data.targets.length} values, expected ${s}×${t}×${o}`);
  const sizes = stateTensors(spec).map((st) => st.size);
  const initial = sizes.map((size, i) => {
    const given = data.initialStates?.[i];
    if (given === undefined) return new Float32Array(s * size);
    if (given.length !== s * size) throw new TrainingError(`initialStates[${i}] has ${given.length} values, expected ${s}×${size}`);
    return given.slice();
  });
  const x = transpose(data.inputs, s, t, f);
  const y = transpose(data.targets, s, t, o);
  if (!modelSpace) {
    const norm = new Normalizer(spec);
    norm.normalizeInput(x, x, s * t);
    norm.normalizeTarget(y, y, s * t);
  }
  return { x, y, initial };
}

/** The same as per-step arrays ([S, F] and [S, out] for each t), for the TF.js engine. */
export function toStepMajor(spec: ResolvedSpec, data: SequenceData, modelSpace = false): StepMajorData {
  const flat = toFlatStepMajor(spec, data, modelSpace);
  const xw = data.streams * spec.inputWidth;
  const yw = data.streams * spec.head.units;
  return {
    xs: Array.from({ length: data.steps }, (_, t) => flat.x.slice(t * xw, (t + 1) * xw)),
    ys: Array.from({ length: data.steps }, (_, t) => flat.y.slice(t * yw, (t + 1) * yw)),
    initial: flat.initial,
  };
}
