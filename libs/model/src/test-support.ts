// Helpers shared by this library's *.test.ts files (not exported from index.ts).
import * as tfl from '@tensorflow/tfjs-layers';
import { createBundle, type WeightsBundle } from './bundle/bundle';
import { tf } from './tfjs/backend';
import type { ModelSpec } from './spec/spec';
import { SeededRandom } from './spec/init';

/** Every cell variant the engines must support. */
export const CELL_VARIANTS: readonly { readonly label: string; readonly spec: Pick<ModelSpec, 'cell' | 'resetAfter'> }[] = [
  { label: 'simple', spec: { cell: 'simple' } },
  { label: 'lstm', spec: { cell: 'lstm' } },
  { label: 'gru-reset-after', spec: { cell: 'gru', resetAfter: true } },
  { label: 'gru-reset-before', spec: { cell: 'gru', resetAfter: false } },
];

/** A bundle with random weights everywhere (biases too, unlike Keras init) so every path matters. */
export function randomBundle(spec: ModelSpec, seed = 1, scale = 0.5): WeightsBundle {
  const base = createBundle({ name: 'test', spec, init: { seed } });
  const rng = new SeededRandom(seed + 1000);
  const tensors = new Map([...base.tensors].map(([k, v]) => [k, Float32Array.from(v, () => rng.uniform(-scale, scale))]));
  return createBundle({ name: 'test', spec, tensors });
}

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-scale, scale));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Noisy sines as S streams × T steps, inputs x_t and targets x_{t+1}. */
export function noisySine(streams: number, steps: number, seed: number): { inputs: Float32Array; targets: Float32Array } {
  const rng = new SeededRandom(seed);
  const inputs = new Float32Array(streams * steps);
  const targets = new Float32Array(streams * steps);
  for (let s = 0; s < streams; s++) {
    const phase = rng.uniform(0, 2 * Math.PI);
    const freq = rng.uniform(0.25, 0.5);
    const series = Array.from({ length: steps + 1 }, (_, t) => Math.sin(freq * t + phase) + 0.05 * rng.normal());
    for (let t = 0; t < steps; t++) {
      inputs[s * steps + t] = series[t]!;
      targets[s * steps + t] = series[t + 1]!;
    }
  }
  return { inputs, targets };
}

// tfjs-layers initialisers need the chained tensor methods (tensor.flatten() ...), which plain tfjs-core does not register; we overwrite all weights anyway, so zeros initialisers avoid them.
/**
 * Independent oracle: the same weights in a tfjs-layers model run over the whole sequence
 * (returnSequences), with recurrentActivation set to 'sigmoid' explicitly because tfjs-layers
 * defaults to hard sigmoid. tfjs-layers has no GRU with resetAfter, which the Keras fixture covers.
 */
export function layersModel(bundle: WeightsBundle, steps: number): { model: tfl.Sequential; dispose: () => void } {
  const spec = bundle.spec;
  const model = tfl.sequential();
  spec.layers.forEach((units, i) => {
    const common = { units, returnSequences: true as const, kernelInitializer: 'zeros', recurrentInitializer: 'zeros', activation: spec.activation as 'tanh', useBias: spec.useBias, ...(i === 0 ? { inputShape: [steps, spec.inputWidth] } : {}) };
    if (spec.cell === 'simple') model.add(tfl.layers.simpleRNN(common));
    else if (spec.cell === 'lstm') model.add(tfl.layers.lstm({ ...common, recurrentActivation: spec.recurrentActivation as 'sigmoid' }));
    else model.add(tfl.layers.gru({ ...common, recurrentActivation: spec.recurrentActivation as 'sigmoid' })); // tfjs-layers' GRU is reset_before
  });
  model.add(tfl.layers.dense({ kernelInitializer: 'zeros', units: spec.head.units, activation: spec.head.activation as 'linear' }));
  const weights: tf.Tensor[] = [];
  spec.layers.forEach((_, i) => {
    for (const leaf of ['kernel', 'recurrent_kernel', ...(spec.useBias ? ['bias'] : [])]) {
      const name = `layer${i}/${leaf}`;
      const t = bundle.tensors.get(name)!;
      const inW = i === 0 ? spec.inputWidth : spec.layers[i - 1];
      const n = t.length / (leaf === 'kernel' ? inW : leaf === 'bias' ? 1 : spec.layers[i]);
      weights.push(leaf === 'bias' ? tf.tensor1d(t) : tf.tensor2d(t, [t.length / n, n]));
    }
  });
  weights.push(tf.tensor2d(bundle.tensors.get('head/kernel')!, [spec.layers[spec.layers.length - 1], spec.head.units]));
  weights.push(tf.tensor1d(bundle.tensors.get('head/bias')!));
  model.setWeights(weights);
  tf.dispose(weights);
  return { model, dispose: () => model.dispose() };
}

export function wholeSequence(bundle: WeightsBundle, x: Float32Array, batch: number, steps: number): Float32Array {
  const { model, dispose } = layersModel(bundle, steps);
  const y = tf.tidy(() => model.predict(tf.tensor3d(x, [batch, steps, bundle.spec.inputWidth])) as tf.Tensor);
  const out = Float32Array.from(y.dataSync() as Float32Array);
  y.dispose();
  dispose();
  return out;
}

