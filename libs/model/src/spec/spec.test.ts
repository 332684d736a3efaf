import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelSpecError } from '../errors';
import { initWeights, orthogonal, SeededRandom } from './init';
import { resolveSpec } from './spec';
import { stateTensors, weightShapes } from './shapes';

const base = { cell: 'lstm', layers: [4, 3], inputWidth: 2, head: { units: 1 } } as const;

describe('resolveSpec', () => {
  it('fills Keras defaults', () => {
    const s = resolveSpec(base);
    assert.equal(s.activation, 'tanh');
    assert.equal(s.recurrentActivation, 'sigmoid');
    assert.equal(s.head.activation, 'linear');
    assert.deepEqual(s.output, { kind: 'next-values' });
    assert.equal(resolveSpec({ ...base, cell: 'gru' }).resetAfter, true);
  });

  it('quotes the bad value', () => {
    assert.throws(() => resolveSpec({ ...base, cell: 'transformer' }), (e: unknown) => e instanceof ModelSpecError && e.message.includes('"transformer"'));
    assert.throws(() => resolveSpec({ ...base, layers: [4, 0] }), /spec\.layers\[1\].*got 0/);
    assert.throws(() => resolveSpec({ ...base, activation: 'swish' }), /"swish"/);
    assert.throws(() => resolveSpec({ ...base, normalization: { mean: [0, 0], std: [1, -1] } }), /std.*\[1,-1\]/);
    // Finite doubles that float32 cannot hold (or whose inverse it cannot): every output would be ±Infinity.
    assert.throws(() => resolveSpec({ ...base, normalization: { mean: [0, 1e39], std: [1, 1] } }), /mean.*float32/);
    assert.throws(() => resolveSpec({ ...base, normalization: { mean: [0, 0], std: [1, 1e39] } }), /std.*float32/);
    assert.throws(() => resolveSpec({ ...base, normalization: { mean: [0, 0], std: [1e-39, 1] } }), /std.*float32/);
    assert.throws(() => resolveSpec({ ...base, head: { units: 3 } }), /head\.units 3 > inputWidth 2/);
  });

  it('lays out weights and states like Keras', () => {
    const s = resolveSpec({ ...base, cell: 'gru', resetAfter: true });
    assert.deepEqual(weightShapes(s).map((w) => `${w.name}:${w.shape.join('x')}`), [
      'layer0/kernel:2x12', 'layer0/recurrent_kernel:4x12', 'layer0/bias:2x12',
      'layer1/kernel:4x9', 'layer1/recurrent_kernel:3x9', 'layer1/bias:2x9',
      'head/kernel:3x1', 'head/bias:1',
    ]);
    assert.deepEqual(stateTensors(resolveSpec(base)).map((t) => t.name), ['layer0/h', 'layer0/c', 'layer1/h', 'layer1/c']);
  });
});

describe('initWeights', () => {
  it('is deterministic per seed and sets the LSTM forget bias', () => {
    const s = resolveSpec(base);
    const a = initWeights(s, { seed: 5 });
    assert.deepEqual(a.get('layer0/kernel'), initWeights(s, { seed: 5 }).get('layer0/kernel'));
    assert.notDeepEqual(a.get('layer0/kernel'), initWeights(s, { seed: 6 }).get('layer0/kernel'));
    assert.deepEqual([...a.get('layer0/bias')!], [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const limit = Math.sqrt(6 / (2 + 16));
    assert.ok(a.get('layer0/kernel')!.every((v) => Math.abs(v) <= limit));
  });

  it('makes orthonormal rows for a wide recurrent kernel', () => {
    const rows = 3;
    const cols = 12;
    const m = orthogonal(rows, cols, new SeededRandom(1));
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < rows; j++) {
        let dot = 0;
        for (let k = 0; k < cols; k++) dot += m[i * cols + k] * m[j * cols + k];
        assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-5, `row ${i}·row ${j} = ${dot}`);
      }
    }
  });

  it('accepts the per-stream transform only where it means something', () => {
    const base = { cell: 'lstm', layers: [4], inputWidth: 2, head: { units: 2 } };
    const ok = resolveSpec({ ...base, output: { kind: 'next-values', delta: true }, streamScaling: { halfLife: 50 }, adaptation: { halfLife: 100 }, seasonality: { period: 24 } });
    assert.deepEqual([ok.streamScaling, ok.adaptation, ok.seasonality], [{ halfLife: 50 }, { halfLife: 100 }, { period: 24 }]);
    assert.throws(() => resolveSpec({ ...base, output: { kind: 'raw' }, streamScaling: { halfLife: 50 } }), /streamScaling needs a 'next-values' head/);
    assert.throws(() => resolveSpec({ ...base, streamScaling: { halfLife: 50 }, normalization: { mean: [0, 0], std: [1, 1] } }), /exclude each other/);
    assert.throws(() => resolveSpec({ ...base, adaptation: { halfLife: 100 } }), /needs a change-forecasting head/);
    assert.throws(() => resolveSpec({ ...base, output: { kind: 'next-values', delta: true }, seasonality: { period: 24 } }), /needs spec.adaptation/);
    assert.throws(() => resolveSpec({ ...base, output: { kind: 'next-values', delta: true }, adaptation: { halfLife: 100 }, seasonality: { period: 1 } }), /period must be an integer/);
  });
});
