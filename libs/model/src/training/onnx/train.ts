import type { WeightsBundle } from '../../bundle/bundle';
import { TrainingError } from '../../errors';
import type { ResolvedSpec } from '../../spec/spec';
import { weightShapes } from '../../spec/shapes';
import type { AdamState } from '../adam';
import { type FlatStepMajorData, type SequenceData, toFlatStepMajor } from '../data';
import { globalNormScale, HostAdam } from '../host-adam';
import type { LossName } from '../losses';
import { checkLoss, trainedBundleFast, windows } from '../plan';
import { windowProgram } from './session';

export interface OnnxRunOptions {
  readonly k1: number;
  readonly k2: number;
  readonly loss: LossName;
  /** ORT intra-op threads. */
  readonly threads: number;
}

/**
 * TBPTT over the data with the ONNX window graph: the same windows, losses and state carrying as
 * the TF.js path (tbptt.ts's runTbptt), one session run per window. `onWindow` gets the window's
 * gradients (weightShapes order; the program's output arrays, overwritten by its next run) and
 * loss; it may update `weights` in place before the next window runs. Returns the states after the
 * last step.
 */
async function runWindows(
  spec: ResolvedSpec,
  data: FlatStepMajorData,
  streams: number,
  steps: number,
  weights: readonly Float32Array[],
  opts: OnnxRunOptions,
  onWindow: (grads: Float32Array[], loss: number) => void,
): Promise<Float32Array[]> {
  const { x: xs, y: ys } = data;
  const xw = streams * spec.inputWidth;
  const yw = streams * spec.head.units;
  const history = new Map<number, Float32Array[]>([[0, data.initial]]);
  const plan = windows(steps, opts.k1, opts.k2);
  for (let index = 0; index < plan.length; index++) {
    const w = plan[index];
    const len = w.end - w.start;
    const nextStart = plan[index + 1]?.start ?? steps;
    // The states a later window starts from, and the last ones (the result or the next start).
    const emit = [...new Set([nextStart - w.start, len])].filter((k) => k > 0).sort((a, b) => a - b);
    const program = await windowProgram(spec, { batch: streams, steps: len, lossSteps: w.end - w.lossFrom, emit, loss: opts.loss }, opts.threads);
    const r = await program.run(weights, xs.subarray(w.start * xw, w.end * xw), ys.subarray(w.lossFrom * yw, w.end * yw), history.get(w.start)!);
    onWindow(r.grads, r.loss);
    for (const [k, states] of r.emitted) history.set(w.start + k, states);
    for (const t of history.keys()) if (t < nextStart) history.delete(t);
  }
  return history.get(steps)!;
}

export interface OnnxTrainOptions extends OnnxRunOptions {
  readonly epochs: number;
  readonly clipNorm?: number;
  readonly optimizerState?: AdamState;
  readonly modelSpace: boolean;
  readonly learningRate?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/** trainTbptt on the ONNX engine (options already validated by the caller). */
export async function trainOnnx(
  bundle: WeightsBundle,
  data: SequenceData,
  o: OnnxTrainOptions,
): Promise<{ bundle: WeightsBundle; losses: number[]; optimizerState: AdamState; finalStates: Float32Array[] }> {
  const spec = bundle.spec;
  const prepared = toFlatStepMajor(spec, data, o.modelSpace);
  const names = weightShapes(spec).map((s) => s.name);
  const weights = names.map((n) => bundle.tensors.get(n)!.slice());
  const adam = new HostAdam(
    names,
    weights.map((w) => w.length),
    o,
    o.optimizerState,
  );
  const losses: number[] = [];
  let lastEpochLosses: number[] = [];
  let finalStates = prepared.initial;
  for (let e = 0; e < o.epochs; e++) {
    lastEpochLosses = [];
    finalStates = await runWindows(spec, prepared, data.streams, data.steps, weights, o, (grads, loss) => {
      checkLoss(loss, losses.length + 1);
      losses.push(loss);
      lastEpochLosses.push(loss);
      adam.apply(weights, grads, o.clipNorm === undefined ? 1 : globalNormScale(grads, o.clipNorm));
    });
  }
  const tensors = new Map(names.map((n, i) => [n, weights[i]]));
  return { bundle: trainedBundleFast(bundle, tensors, lastEpochLosses, losses.length), losses, optimizerState: adam.takeState(), finalStates };
}

/** tbpttGradients on the ONNX engine: summed window gradients, weights fixed. */
export async function gradientsOnnx(bundle: WeightsBundle, data: SequenceData, o: OnnxRunOptions): Promise<Map<string, Float32Array>> {
  const spec = bundle.spec;
  const prepared = toFlatStepMajor(spec, data);
  const names = weightShapes(spec).map((s) => s.name);
  const weights = names.map((n) => bundle.tensors.get(n)!);
  const sums = names.map((n) => new Float32Array(bundle.tensors.get(n)!.length));
  await runWindows(spec, prepared, data.streams, data.steps, weights, o, (grads) => {
    grads.forEach((g, k) => {
      const acc = sums[k];
      for (let i = 0; i < g.length; i++) acc[i] += g[i];
    });
  });
  return new Map(names.map((n, i) => [n, sums[i]]));
}

export function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) throw new TrainingError(`threads must be a positive integer, got ${JSON.stringify(threads)}`);
  return threads;
}
