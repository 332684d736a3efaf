import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ModelSpec } from '../../spec/spec';
import { maxAbsDiff, randomArray, randomBundle } from '../../test-support';
import type { SequenceData } from '../data';
import type { LossName } from '../losses';
import { tbpttGradients, trainTbptt } from '../tbptt';
import { releaseTrainingSessions } from './session';

/**
 * The ONNX engine against the TF.js engine (autograd over tfjs/cells.ts, itself checked against
 * tfjs-layers and finite differences in tbptt.test.ts): the same window gradients, and the same
 * weights, losses, states and Adam state after training, for every cell, both GRU reset modes,
 * stacked and mixed layers, every activation the spec supports, each loss, with and without
 * global-norm clipping, and k1 < k2 (overlapping windows, a short first and last window).
 */
const streams = 3;
const steps = 9;

function dataFor(spec: ModelSpec, seed: number): SequenceData {
  const out = spec.head.units;
  return { streams, steps, inputs: randomArray(streams * steps * spec.inputWidth, seed), targets: randomArray(streams * steps * out, seed + 1) };
}

/** Relative closeness: float32 sums in different orders differ by a few ulps of the largest value. */
function assertClose(ours: Float32Array, theirs: Float32Array, what: string, tol = 2e-5): void {
  const scale = Math.max(1, ...Array.from(theirs, Math.abs));
  const diff = maxAbsDiff(ours, theirs);
  assert.ok(diff <= tol * scale, `${what}: max |onnx − tfjs| = ${diff} (scale ${scale})`);
}

const base = { inputWidth: 2, head: { units: 2 } } as const;
const specs: [string, ModelSpec][] = [
  ['LSTM stacked', { ...base, cell: 'lstm', layers: [4, 3] }],
  ['GRU reset_after stacked', { ...base, cell: 'gru', resetAfter: true, layers: [4, 3] }],
  ['GRU reset_before stacked', { ...base, cell: 'gru', resetAfter: false, layers: [4, 3] }],
  ['SimpleRNN stacked', { ...base, cell: 'simple', layers: [4, 3] }],
  ['LSTM hard_sigmoid gates, relu cell, no bias', { ...base, cell: 'lstm', layers: [5], recurrentActivation: 'hard_sigmoid', activation: 'relu', useBias: false }],
  ['GRU reset_after hard_sigmoid_keras3 gates, softsign cell', { ...base, cell: 'gru', layers: [5], recurrentActivation: 'hard_sigmoid_keras3', activation: 'softsign' }],
  ['GRU reset_before elu cell, softplus head', { ...base, cell: 'gru', resetAfter: false, layers: [5], activation: 'elu', head: { units: 2, activation: 'softplus' } }],
  ['SimpleRNN linear cell, sigmoid head', { ...base, cell: 'simple', layers: [5], activation: 'linear', head: { units: 2, activation: 'sigmoid' } }],
  ['LSTM sigmoid cell, tanh gates, exponential head', { ...base, cell: 'lstm', layers: [4], activation: 'sigmoid', recurrentActivation: 'tanh', head: { units: 1, activation: 'exponential' } }],
  ['SimpleRNN elu, relu head', { ...base, cell: 'simple', layers: [4], activation: 'elu', head: { units: 2, activation: 'relu' } }],
  ['LSTM softplus cell, hard_sigmoid head', { ...base, cell: 'lstm', layers: [4], activation: 'softplus', head: { units: 2, activation: 'hard_sigmoid' } }],
  ['GRU reset_after and SimpleRNN without bias', { ...base, stack: [{ cell: 'gru', units: 4, useBias: false }, { cell: 'simple', units: 3, useBias: false }] }],
  ['mixed stack: SimpleRNN → GRU reset_before → LSTM', { ...base, stack: [{ cell: 'simple', units: 4 }, { cell: 'gru', units: 3, resetAfter: false }, { cell: 'lstm', units: 3 }] }],
];

describe('ONNX training engine equals the TF.js engine', () => {
  after(releaseTrainingSessions);

  specs.forEach(([label, spec], n) => {
    it(`window gradients: ${label}`, async () => {
      const bundle = randomBundle(spec, 10 + n);
      const data = dataFor(spec, 100 + n);
      for (const [k1, k2] of [
        [steps, steps],
        [2, 5],
      ]) {
        const onnx = await tbpttGradients(bundle, data, { k1, k2, engine: 'onnx' });
        const tfjs = await tbpttGradients(bundle, data, { k1, k2, engine: 'tfjs' });
        assert.deepEqual([...onnx.keys()].sort(), [...tfjs.keys()].sort());
        for (const [name, g] of tfjs) assertClose(onnx.get(name)!, g, `k1=${k1} k2=${k2} ${name}`);
      }
    });
  });

  const training: [string, ModelSpec, LossName, number | undefined][] = [
    ['LSTM, mse, clipped', specs[0][1], 'mse', 0.05],
    ['GRU reset_after, huber, unclipped', specs[1][1], 'huber', undefined],
    ['GRU reset_before, mae, clipped', specs[2][1], 'mae', 0.05],
    ['SimpleRNN, mse, unclipped', specs[3][1], 'mse', undefined],
    ['mixed stack, huber, clipped', specs[specs.length - 1][1], 'huber', 0.05],
  ];
  training.forEach(([label, spec, loss, clipNorm], n) => {
    it(`training updates: ${label}, k1 < k2, two epochs, resumed Adam`, async () => {
      const bundle = randomBundle(spec, 30 + n);
      const data = dataFor(spec, 200 + n);
      const options = { k1: 3, k2: 5, loss, learningRate: 0.01, epochs: 2, ...(clipNorm === undefined ? {} : { clipNorm }) };
      const first = await trainTbptt(bundle, data, { ...options, engine: 'tfjs' });
      const onnx = await trainTbptt(first.bundle, data, { ...options, engine: 'onnx', optimizerState: first.optimizerState });
      const tfjs = await trainTbptt(first.bundle, data, { ...options, engine: 'tfjs', optimizerState: first.optimizerState });
      assert.equal(onnx.engine, 'onnx');
      assert.equal(tfjs.engine, 'tfjs');
      assert.equal(onnx.losses.length, 2 * 3);
      onnx.losses.forEach((l, i) => assert.ok(Math.abs(l - tfjs.losses[i]) <= 1e-5 * Math.max(1, Math.abs(l)), `loss ${i}: ${l} vs ${tfjs.losses[i]}`));
      for (const [name, w] of tfjs.bundle.tensors) {
        assertClose(onnx.bundle.tensors.get(name)!, w, `weights ${name}`);
        // The update itself, so a tiny learning rate could not hide a wrong gradient.
        const before = first.bundle.tensors.get(name)!;
        assertClose(
          onnx.bundle.tensors.get(name)!.map((v, i) => v - before[i]),
          w.map((v, i) => v - before[i]),
          `update ${name}`,
          1e-3,
        );
        assertClose(onnx.optimizerState.m[name], tfjs.optimizerState.m[name], `m ${name}`);
        assertClose(onnx.optimizerState.v[name], tfjs.optimizerState.v[name], `v ${name}`);
      }
      assert.equal(onnx.optimizerState.step, tfjs.optimizerState.step);
      onnx.finalStates.forEach((s, i) => assertClose(s, tfjs.finalStates[i], `final state ${i}`));
      assert.equal(onnx.bundle.metrics.updates, tfjs.bundle.metrics.updates);
      assert.ok(Math.abs(onnx.bundle.metrics.trainLoss - tfjs.bundle.metrics.trainLoss) < 1e-5);
    });
  });

  it('one stream, one-step windows (k1 = k2 = 1): no batched step dimension left to split', async () => {
    const spec = specs[1][1];
    const bundle = randomBundle(spec, 60);
    const data: SequenceData = { streams: 1, steps: 3, inputs: randomArray(3 * 2, 61), targets: randomArray(3 * 2, 62) };
    const onnx = await trainTbptt(bundle, data, { k1: 1, engine: 'onnx', learningRate: 0.01, clipNorm: 0.1 });
    const tfjs = await trainTbptt(bundle, data, { k1: 1, engine: 'tfjs', learningRate: 0.01, clipNorm: 0.1 });
    assert.equal(onnx.losses.length, 3);
    for (const [name, w] of tfjs.bundle.tensors) assertClose(onnx.bundle.tensors.get(name)!, w, name);
    onnx.finalStates.forEach((s, i) => assertClose(s, tfjs.finalStates[i], `final state ${i}`));
  });

  it('carries streams across calls from given initial states like the TF.js engine', async () => {
    const spec = specs[0][1];
    const bundle = randomBundle(spec, 50);
    const data = dataFor(spec, 300);
    const carried = (await trainTbptt(bundle, data, { k1: steps, engine: 'tfjs' })).finalStates;
    const withStates = { ...data, initialStates: carried };
    const onnx = await trainTbptt(bundle, withStates, { k1: 4, k2: 6, engine: 'onnx', learningRate: 0.01 });
    const tfjs = await trainTbptt(bundle, withStates, { k1: 4, k2: 6, engine: 'tfjs', learningRate: 0.01 });
    for (const [name, w] of tfjs.bundle.tensors) assertClose(onnx.bundle.tensors.get(name)!, w, name);
    onnx.finalStates.forEach((s, i) => assertClose(s, tfjs.finalStates[i], `final state ${i}`));
  });
});
