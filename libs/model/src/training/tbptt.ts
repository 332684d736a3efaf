import type { WeightsBundle } from '../bundle/bundle';
import type { TfjsBackendName } from '../engines/config';
import { EngineUnavailableError, TrainingError } from '../errors';
import type { ResolvedSpec } from '../spec/spec';
import { stateTensors } from '../spec/shapes';
import { tf, useTfjsBackend } from '../tfjs/backend';
import { tfStep, type TfWeights, weightsToTensors } from '../tfjs/cells';
import { Adam, type AdamOptions, type AdamState } from './adam';
import { type SequenceData, type StepMajorData, toStepMajor } from './data';
import { type LossName, tfLoss } from './losses';
import { checkThreads, gradientsOnnx, trainOnnx } from './onnx/train';
import { checkLoss, checkWindowOptions as checkOptions, trainedBundle, windows } from './plan';

/**
 * Where gradients are computed. 'onnx': one generated ONNX graph per window shape (forward, loss
 * and hand-derived backward of the unrolled window) run by onnxruntime-node, Adam on the host;
 * 20–40× faster than 'tfjs' on cpu/wasm here (docs/model.md). 'tfjs': TF.js ops under autograd on
 * `backend`.
 */
export type TrainingEngine = 'onnx' | 'tfjs';

export interface TbpttOptions {
  /** Steps between updates (k1). */
  readonly k1: number;
  /** Steps unrolled for each update (k2 >= k1). Default k1. */
  readonly k2?: number;
  /** Default 'mse'. */
  readonly loss?: LossName;
  /**
   * Default 'onnx'; when onnxruntime-node cannot load and no engine was asked for, 'tfjs' (the
   * result's `engine` says which ran). An explicit 'onnx' that cannot load throws.
   */
  readonly engine?: TrainingEngine;
  /** TF.js backend for engine 'tfjs' (ignored by 'onnx'). Default 'cpu'. */
  readonly backend?: TfjsBackendName;
  /** Intra-op threads for engine 'onnx' (ORT intraOpNumThreads). Default 1. */
  readonly threads?: number;
}

export interface TrainOptions extends TbpttOptions, AdamOptions {
  /** Passes over the data, each from data.initialStates. Default 1. */
  readonly epochs?: number;
  /** Clip gradients to this global L2 norm (tf.clip_by_global_norm semantics). Default: no clipping. */
  readonly clipNorm?: number;
  /** Optimiser state to resume from (from a previous TrainResult). Default: fresh Adam. */
  readonly optimizerState?: AdamState;
  /**
   * The data is in model space (already transformed as the network sees it; targets are what it
   * should output), as the online trainer prepares it for per-stream-scaled specs. Default false:
   * raw values, normalised here with the spec's global normalisation.
   */
  readonly modelSpace?: boolean;
}

export interface TrainResult {
  /** The trained weights: version = old + 1, parentVersion = old version, metrics.trainLoss set. */
  readonly bundle: WeightsBundle;
  /** Loss of every update, in order (mean over the k1 newest steps of the window). */
  readonly losses: number[];
  /** Adam's state after the last update, for checkpointing and resuming. */
  readonly optimizerState: AdamState;
  /** States after the last step of the last epoch ([S, size] per state tensor), to continue streams. */
  readonly finalStates: Float32Array[];
  /** The engine that computed it. */
  readonly engine: TrainingEngine;
}

/**
 * Truncated BPTT(k1, k2): every k1 steps, unroll the last k2 steps from the state recorded at the
 * window's start (a constant: no gradient flows into earlier windows), take the loss over the k1
 * newest steps and hand the gradients to `onWindow`. States reached during each unroll are recorded
 * on the host, so windows overlap without re-running from the beginning and streams carry their
 * state across windows without gradients.
 */
function runTbptt(
  spec: ResolvedSpec,
  weights: TfWeights,
  variables: ReadonlyMap<string, tf.Variable>,
  data: StepMajorData,
  streams: number,
  opts: { k1: number; k2: number; loss: LossName },
  onWindow: (grads: ReadonlyMap<string, tf.Tensor>, loss: number) => void,
): Float32Array[] {
  const sizes = stateTensors(spec).map((s) => s.size);
  const names = [...variables.keys()];
  const varList = [...variables.values()];
  const history = new Map<number, Float32Array[]>([[0, data.initial]]);
  const steps = data.xs.length;
  const plan = windows(steps, opts.k1, opts.k2);
  plan.forEach((w, index) => {
    const initial = history.get(w.start)!;
    const { value, grads } = tf.variableGrads(() => {
      let st = initial.map((a, i) => tf.tensor2d(a, [streams, sizes[i]]));
      const losses: tf.Scalar[] = [];
      for (let t = w.start; t < w.end; t++) {
        const r = tfStep(spec, weights, tf.tensor2d(data.xs[t], [streams, spec.inputWidth]), st);
        st = r.states;
        history.set(t + 1, st.map((s) => Float32Array.from(s.dataSync() as Float32Array)));
        if (t >= w.lossFrom) losses.push(tfLoss(opts.loss, r.y, tf.tensor2d(data.ys[t], [streams, spec.head.units])));
      }
      return tf.div(tf.addN(losses), losses.length);
    }, varList);
    try {
      const named = new Map<string, tf.Tensor>(names.map((n, i) => [n, grads[varList[i].name]]));
      onWindow(named, value.dataSync()[0]);
    } finally {
      value.dispose();
      tf.dispose(grads);
    }
    // Keep only states a later window can start from (and the final one).
    const nextStart = plan[index + 1]?.start ?? steps;
    for (const t of history.keys()) if (t < nextStart) history.delete(t);
  });
  return history.get(steps)!;
}

/** Weights as trainable variables by bundle tensor name; dispose with tf.dispose([...values]). */
function toVariables(bundle: WeightsBundle): { weights: TfWeights; variables: Map<string, tf.Variable> } {
  const variables = new Map<string, tf.Variable>();
  const weights = weightsToTensors(bundle, (name, t) => {
    const v = tf.variable(t, true);
    t.dispose();
    variables.set(name, v);
    return v;
  });
  return { weights, variables };
}

function clipByGlobalNorm(grads: ReadonlyMap<string, tf.Tensor>, clipNorm: number): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  tf.tidy(() => {
    const norm = tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    for (const [k, g] of grads) out.set(k, tf.keep(tf.mul(g, scale)));
  });
  return out;
}

/**
 * Trains with truncated BPTT and Adam. Deterministic: no sampling anywhere, so the same bundle,
 * data and options give the same weights (initialise fresh models with a seed via createBundle).
 */
export async function trainTbptt(bundle: WeightsBundle, data: SequenceData, options: TrainOptions): Promise<TrainResult> {
  const { k1, k2 } = checkOptions(options);
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) throw new TrainingError(`epochs must be a positive integer, got ${JSON.stringify(epochs)}`);
  if (options.clipNorm !== undefined && !(options.clipNorm > 0)) throw new TrainingError(`clipNorm must be > 0, got ${options.clipNorm}`);
  const loss = options.loss ?? 'mse';
  if ((options.engine ?? 'onnx') === 'onnx') {
    const threads = checkThreads(options.threads ?? 1);
    try {
      const r = await trainOnnx(bundle, data, { ...options, k1, k2, loss, threads, epochs, modelSpace: options.modelSpace ?? false });
      return { ...r, engine: 'onnx' };
    } catch (e) {
      if (!(e instanceof EngineUnavailableError) || options.engine === 'onnx') throw e;
    }
  }
  return trainTfjs(bundle, data, options, { k1, k2, loss, epochs });
}

async function trainTfjs(bundle: WeightsBundle, data: SequenceData, options: TrainOptions, o: { k1: number; k2: number; loss: LossName; epochs: number }): Promise<TrainResult> {
  await useTfjsBackend(options.backend ?? 'cpu');
  const spec = bundle.spec;
  const prepared = toStepMajor(spec, data, options.modelSpace ?? false);
  const { weights, variables } = toVariables(bundle);
  let adam: Adam;
  try {
    adam = new Adam(variables, options, options.optimizerState);
  } catch (e) {
    tf.dispose([...variables.values()]);
    throw e;
  }
  const losses: number[] = [];
  let finalStates: Float32Array[] = prepared.initial;
  let lastEpochLosses: number[] = [];
  try {
    for (let e = 0; e < o.epochs; e++) {
      lastEpochLosses = [];
      finalStates = runTbptt(spec, weights, variables, prepared, data.streams, o, (grads, loss) => {
        checkLoss(loss, losses.length + 1);
        losses.push(loss);
        lastEpochLosses.push(loss);
        if (options.clipNorm === undefined) {
          adam.apply(variables, grads);
        } else {
          const clipped = clipByGlobalNorm(grads, options.clipNorm);
          try {
            adam.apply(variables, clipped);
          } finally {
            tf.dispose([...clipped.values()]);
          }
        }
      });
    }
    const tensors = new Map([...variables].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
    const trained = trainedBundle(bundle, spec, tensors, lastEpochLosses, losses.length);
    return { bundle: trained, losses, optimizerState: adam.exportState(), finalStates, engine: 'tfjs' };
  } finally {
    adam.dispose();
    tf.dispose([...variables.values()]);
  }
}

/**
 * Sum over TBPTT windows of each window's loss gradient, with the weights held fixed (no update).
 * With k1 = k2 = steps this is exactly the full-BPTT gradient of the mean loss over the sequence.
 * For tests and diagnostics.
 */
export async function tbpttGradients(bundle: WeightsBundle, data: SequenceData, options: TbpttOptions): Promise<Map<string, Float32Array>> {
  const { k1, k2 } = checkOptions(options);
  if ((options.engine ?? 'onnx') === 'onnx') {
    try {
      return await gradientsOnnx(bundle, data, { k1, k2, loss: options.loss ?? 'mse', threads: checkThreads(options.threads ?? 1) });
    } catch (e) {
      if (!(e instanceof EngineUnavailableError) || options.engine === 'onnx') throw e;
    }
  }
  await useTfjsBackend(options.backend ?? 'cpu');
  const prepared = toStepMajor(bundle.spec, data);
  const { weights, variables } = toVariables(bundle);
  const sums = new Map<string, Float32Array>();
  try {
    runTbptt(bundle.spec, weights, variables, prepared, data.streams, { k1, k2, loss: options.loss ?? 'mse' }, (grads) => {
      for (const [name, g] of grads) {
        const values = g.dataSync() as Float32Array;
        const acc = sums.get(name) ?? new Float32Array(values.length);
        for (let i = 0; i < values.length; i++) acc[i] += values[i];
        sums.set(name, acc);
      }
    });
    return sums;
  } finally {
    tf.dispose([...variables.values()]);
  }
}
