import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WeightsBundle } from '../bundle/bundle';
import { createBundle } from '../bundle/bundle';
import { TrainingError } from '../errors';
import type { ModelSpec } from '../spec/spec';
import { layersModel, maxAbsDiff, noisySine, randomArray, randomBundle } from '../test-support';
import { tf, useTfjsBackend } from '../tfjs/backend';
import type { SequenceData } from './data';
import { evaluateLoss } from './evaluate';
import { tbpttGradients, trainTbptt } from './tbptt';

/** Full-BPTT gradient of the mean squared error from an independent implementation (tfjs-layers). */
function layersGradients(bundle: WeightsBundle, data: SequenceData): Float32Array[] {
  const { model, dispose } = layersModel(bundle, data.steps);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const y = model.apply(tf.tensor3d(data.inputs, [data.streams, data.steps, bundle.spec.inputWidth])) as tf.Tensor;
    return tf.mean(tf.square(tf.sub(y, tf.tensor3d(data.targets, [data.streams, data.steps, bundle.spec.head.units]))));
  }, variables);
  const out = variables.map((v) => Float32Array.from(grads[v.name].dataSync() as Float32Array));
  value.dispose();
  tf.dispose(grads);
  dispose();
  return out;
}

function sineData(streams: number, steps: number, seed: number): SequenceData {
  return { streams, steps, ...noisySine(streams, steps, seed) };
}

describe('truncated BPTT', () => {
  const streams = 3;
  const steps = 8;
  const data: SequenceData = { streams, steps, inputs: randomArray(streams * steps * 2, 7), targets: randomArray(streams * steps, 8) };

  for (const spec of [
    { cell: 'simple', layers: [4, 3], inputWidth: 2, head: { units: 1 } },
    { cell: 'lstm', layers: [4, 3], inputWidth: 2, head: { units: 1 } },
    { cell: 'gru', resetAfter: false, layers: [4, 3], inputWidth: 2, head: { units: 1 } },
  ] as ModelSpec[]) {
    it(`gradients equal full backprop when k2 covers the sequence (${spec.cell}${spec.resetAfter === false ? ' reset-before' : ''}, stacked)`, async () => {
      await useTfjsBackend('cpu');
      const bundle = randomBundle(spec, 4);
      const ours = await tbpttGradients(bundle, data, { k1: steps, k2: steps });
      const theirs = layersGradients(bundle, data);
      const names = [...bundle.tensors.keys()];
      names.forEach((name, i) => assert.ok(maxAbsDiff(ours.get(name)!, theirs[i]) < 1e-5, `${name}: ${maxAbsDiff(ours.get(name)!, theirs[i])}`));
      // Truncating for real changes the gradient, so the comparison above can fail.
      const truncated = await tbpttGradients(bundle, data, { k1: 2, k2: 2 });
      assert.ok(maxAbsDiff(truncated.get('layer0/recurrent_kernel')!, theirs[1]) > 1e-4);
    });
  }

  it('gradients match finite differences for GRU reset_after (no tfjs-layers oracle)', async () => {
    const spec: ModelSpec = { cell: 'gru', resetAfter: true, layers: [3, 3], inputWidth: 2, head: { units: 1 } };
    const bundle = randomBundle(spec, 6);
    const grads = await tbpttGradients(bundle, data, { k1: steps });
    const eps = 1e-2;
    for (const [name, index] of [['layer0/bias', 7], ['layer0/bias', 14], ['layer1/recurrent_kernel', 5], ['layer0/kernel', 2], ['head/kernel', 1]] as const) {
      const at = (delta: number): number => {
        const tensors = new Map([...bundle.tensors].map(([k, v]) => [k, Float32Array.from(v)]));
        tensors.get(name)![index] += delta;
        return evaluateLoss(createBundle({ name: 'fd', spec, tensors }), data);
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      const g = grads.get(name)![index];
      assert.ok(Math.abs(fd - g) < 2e-3 + 0.02 * Math.abs(g), `${name}[${index}]: backprop ${g} vs finite difference ${fd}`);
    }
  });

  for (const engine of ['tfjs', 'onnx'] as const)
  it(`a short run on a noisy sine cuts the loss at least in half, deterministically, leaking no tensors (${engine})`, async () => {
    await useTfjsBackend('cpu');
    const bundle = createBundle({ name: 'sine', spec: { cell: 'lstm', layers: [12, 8], inputWidth: 1, head: { units: 1 } }, init: { seed: 1 } });
    const train = sineData(8, 48, 1);
    const heldOut = sineData(8, 48, 2);
    const before = evaluateLoss(bundle, heldOut, { warmupSteps: 4 });
    const tensorsBefore = tf.memory().numTensors;
    // The TF.js engine is the one that makes tensors (runTbptt, clipping, Adam): checked by name.
    const options = { k1: 8, k2: 16, learningRate: 0.02, epochs: 12, clipNorm: 5, engine };
    const result = await trainTbptt(bundle, train, options);
    assert.equal(result.engine, engine);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    const after = evaluateLoss(result.bundle, heldOut, { warmupSteps: 4 });
    assert.ok(after <= before / 2, `held-out loss ${before} -> ${after}`);
    assert.equal(result.bundle.version, bundle.version + 1);
    assert.equal(result.bundle.parentVersion, bundle.version);
    assert.equal(result.losses.length, 12 * 6);
    assert.equal(result.finalStates.length, 4);
    const again = await trainTbptt(bundle, train, options);
    for (const [k, v] of result.bundle.tensors) assert.deepEqual(again.bundle.tensors.get(k), v, `${k} not deterministic`);
  });

  it('resumes exactly from exported optimizer state', async () => {
    const bundle = randomBundle({ cell: 'gru', layers: [4], inputWidth: 1, head: { units: 1 } }, 3, 0.3);
    const train = sineData(2, 12, 5);
    const options = { k1: 4, k2: 6, learningRate: 0.01, loss: 'huber' as const };
    const both = await trainTbptt(bundle, train, { ...options, epochs: 2 });
    const first = await trainTbptt(bundle, train, options);
    const second = await trainTbptt(first.bundle, train, { ...options, optimizerState: first.optimizerState });
    assert.equal(second.optimizerState.step, both.optimizerState.step);
    for (const [k, v] of both.bundle.tensors) assert.ok(maxAbsDiff(second.bundle.tensors.get(k)!, v) < 1e-6, k);
  });

  it('refuses an optimizer state of other weights, leaking no tensors', async () => {
    await useTfjsBackend('cpu');
    const small = randomBundle({ cell: 'lstm', layers: [3], inputWidth: 1, head: { units: 1 } }, 3, 0.3);
    const other = randomBundle({ cell: 'lstm', layers: [4], inputWidth: 1, head: { units: 1 } }, 3, 0.3);
    const train = sineData(2, 12, 5);
    const options = { k1: 4, k2: 6, learningRate: 0.01, engine: 'tfjs' as const };
    const { optimizerState } = await trainTbptt(small, train, options);
    const tensorsBefore = tf.memory().numTensors;
    await assert.rejects(trainTbptt(other, train, { ...options, optimizerState }), /optimizer state/);
    assert.equal(tf.memory().numTensors, tensorsBefore);
  });

  it('trains every cell kind, stacked, with MAE', async () => {
    for (const spec of [
      { cell: 'simple', layers: [8, 8], inputWidth: 1, head: { units: 1 } },
      { cell: 'gru', resetAfter: true, layers: [8, 8], inputWidth: 1, head: { units: 1 } },
    ] as ModelSpec[]) {
      const bundle = createBundle({ name: 's', spec, init: { seed: 2 } });
      const train = sineData(4, 30, 3);
      const before = evaluateLoss(bundle, train, { loss: 'mae' });
      const result = await trainTbptt(bundle, train, { k1: 10, k2: 10, learningRate: 0.02, epochs: 8, loss: 'mae' });
      assert.ok(evaluateLoss(result.bundle, train, { loss: 'mae' }) < before * 0.8, spec.cell);
    }
  });

  it('validates options', async () => {
    const bundle = randomBundle({ cell: 'simple', layers: [2], inputWidth: 1, head: { units: 1 } });
    await assert.rejects(trainTbptt(bundle, sineData(1, 4, 1), { k1: 4, k2: 2 }), TrainingError);
    await assert.rejects(trainTbptt(bundle, { streams: 1, steps: 4, inputs: new Float32Array(3), targets: new Float32Array(4) }, { k1: 2 }), /inputs has 3 values/);
  });
});
