import type { WeightsBundle } from '../bundle/bundle';
import type { ActivationName } from '../spec/activations';
import type { ResolvedSpec } from '../spec/spec';
import { gateCount } from '../spec/shapes';
import { layerSpecs } from '../spec/stack';
import { tf } from './backend';

/**
 * Keras cell semantics as differentiable TF.js ops, shared by the TF.js inference kernel and the
 * trainer. Written out by hand because tfjs-layers' GRU refuses resetAfter: true and its RNN
 * layers default recurrentActivation to hard sigmoid (Keras 2+/3 use sigmoid).
 */
export interface TfLayerWeights {
  readonly kernel: tf.Tensor2D;
  readonly recurrent: tf.Tensor2D;
  /** [g*u], or [2, 3u] for GRU resetAfter; null without bias. */
  readonly bias: tf.Tensor | null;
}

export interface TfWeights {
  readonly layers: readonly TfLayerWeights[];
  readonly headKernel: tf.Tensor2D;
  readonly headBias: tf.Tensor1D;
}

/** Weight tensors in `weightShapes(spec)` order, as (name, tensor) pairs. */
export function weightsToTensors(bundle: WeightsBundle, make: (name: string, t: tf.Tensor) => tf.Tensor): TfWeights {
  const spec = bundle.spec;
  const get = (name: string): tf.Tensor => {
    const t = bundle.tensors.get(name)!;
    return make(name, tf.tensor(t, shapeOf(spec, name)));
  };
  return {
    layers: spec.layers.map((_, i) => ({
      kernel: get(`layer${i}/kernel`) as tf.Tensor2D,
      recurrent: get(`layer${i}/recurrent_kernel`) as tf.Tensor2D,
      bias: layerSpecs(spec)[i].useBias ? get(`layer${i}/bias`) : null,
    })),
    headKernel: get('head/kernel') as tf.Tensor2D,
    headBias: get('head/bias') as tf.Tensor1D,
  };
}

function shapeOf(spec: ResolvedSpec, name: string): number[] {
  if (name === 'head/kernel') return [spec.layers[spec.layers.length - 1], spec.head.units];
  if (name === 'head/bias') return [spec.head.units];
  const l = Number(name.slice(5, name.indexOf('/')));
  const layer = layerSpecs(spec)[l];
  const u = layer.units;
  const g = gateCount(layer.cell);
  const inW = l === 0 ? spec.inputWidth : spec.layers[l - 1];
  if (name.endsWith('/recurrent_kernel')) return [u, g * u];
  if (name.endsWith('/kernel')) return [inW, g * u];
  return layer.cell === 'gru' && layer.resetAfter ? [2, g * u] : [g * u];
}

export function tfActivation(name: ActivationName, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'linear':
      return x;
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'hard_sigmoid':
      return tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
    case 'hard_sigmoid_keras3':
      return tf.clipByValue(tf.add(tf.div(x, 6), 0.5), 0, 1);
    case 'relu':
      return tf.relu(x);
    case 'elu':
      return tf.elu(x);
    case 'softsign':
      return tf.div(x, tf.add(tf.abs(x), 1));
    case 'softplus':
      return tf.softplus(x);
    case 'exponential':
      return tf.exp(x);
  }
}

/**
 * One step of the whole stack. `states` in stateTensors(spec) order ([B, u] each); returns the
 * head output [B, out] and the new states. Call inside tidy() or a gradient scope.
 */
export function tfStep(
  spec: ResolvedSpec,
  w: TfWeights,
  x: tf.Tensor2D,
  states: readonly tf.Tensor2D[],
): { y: tf.Tensor2D; states: tf.Tensor2D[] } {
  const next: tf.Tensor2D[] = [];
  let input = x;
  let s = 0;
  layerSpecs(spec).forEach((layer, l) => {
    const act = (t: tf.Tensor): tf.Tensor2D => tfActivation(layer.activation, t) as tf.Tensor2D;
    const rec = (t: tf.Tensor): tf.Tensor2D => tfActivation(layer.recurrentActivation, t) as tf.Tensor2D;
    const lw = w.layers[l];
    const h = states[s++];
    let hNew: tf.Tensor2D;
    if (layer.cell === 'simple' || layer.cell === 'lstm') {
      let z: tf.Tensor2D = tf.add(tf.matMul(input, lw.kernel), tf.matMul(h, lw.recurrent));
      if (lw.bias !== null) z = tf.add(z, lw.bias);
      if (layer.cell === 'simple') {
        hNew = act(z);
        next.push(hNew);
      } else {
        const c = states[s++];
        const [zi, zf, zc, zo] = tf.split<tf.Tensor2D>(z, 4, 1);
        const cNew: tf.Tensor2D = tf.add(tf.mul(rec(zf), c), tf.mul(rec(zi), act(zc)));
        hNew = tf.mul(rec(zo), act(cNew));
        next.push(hNew, cNew);
      }
    } else {
      let bIn: tf.Tensor | null = null;
      let bRec: tf.Tensor | null = null;
      if (lw.bias !== null) {
        if (layer.resetAfter) [bIn, bRec] = tf.unstack(lw.bias, 0);
        else bIn = lw.bias;
      }
      let zx: tf.Tensor2D = tf.matMul(input, lw.kernel);
      if (bIn !== null) zx = tf.add(zx, bIn);
      const [xz, xr, xh] = tf.split<tf.Tensor2D>(zx, 3, 1);
      let cand: tf.Tensor2D;
      let zg: tf.Tensor2D;
      if (layer.resetAfter) {
        let zh: tf.Tensor2D = tf.matMul(h, lw.recurrent);
        if (bRec !== null) zh = tf.add(zh, bRec);
        const [hz, hr, hh] = tf.split<tf.Tensor2D>(zh, 3, 1);
        zg = rec(tf.add(xz, hz));
        const r = rec(tf.add(xr, hr));
        cand = act(tf.add(xh, tf.mul(r, hh)));
      } else {
        const [uz, ur, uh] = tf.split<tf.Tensor2D>(lw.recurrent, 3, 1);
        zg = rec(tf.add(xz, tf.matMul(h, uz)));
        const r = rec(tf.add(xr, tf.matMul(h, ur)));
        cand = act(tf.add(xh, tf.matMul(tf.mul(r, h), uh)));
      }
      hNew = tf.add(tf.mul(zg, h), tf.mul(tf.sub(1, zg), cand));
      next.push(hNew);
    }
    input = hNew;
  });
  const y = tfActivation(spec.head.activation, tf.add(tf.matMul(input, w.headKernel), w.headBias)) as tf.Tensor2D;
  return { y, states: next };
}
