import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBundle, sameArchitecture } from '../bundle/bundle';
import { decodeBundle, encodeBundle } from '../bundle/codec';
import type { EngineConfig } from '../engines/config';
import { createKernel } from '../engines/factory';
import { ReferenceKernel } from '../engines/reference/kernel';
import { ModelSpecError } from '../errors';
import { maxAbsDiff, randomArray, randomBundle } from '../test-support';
import { tbpttGradients } from '../training/tbptt';
import { type ModelSpec, resolveSpec } from './spec';
import { stateTensors, weightShapes } from './shapes';
import { layerSpecs } from './stack';

const MIXED: ModelSpec = {
  stack: [
    { cell: 'gru', units: 5, resetAfter: false },
    { cell: 'simple', units: 4, activation: 'relu' },
    { cell: 'lstm', units: 3, recurrentActivation: 'hard_sigmoid_keras3', useBias: false },
  ],
  inputWidth: 3,
  head: { units: 2 },
};

describe('mixed stacks (spec.stack)', () => {
  it('resolves each layer, falling back to the top-level settings', () => {
    const spec = resolveSpec({ ...MIXED, activation: 'softsign' });
    assert.deepEqual(spec.layers, [5, 4, 3]);
    assert.deepEqual(layerSpecs(spec).map((l) => [l.cell, l.activation, l.recurrentActivation, l.useBias, l.resetAfter]), [
      ['gru', 'softsign', 'sigmoid', true, false],
      ['simple', 'relu', 'sigmoid', true, false],
      ['lstm', 'softsign', 'hard_sigmoid_keras3', false, false],
    ]);
    assert.deepEqual(weightShapes(spec).map((w) => `${w.name}[${w.shape.join(',')}]`), [
      'layer0/kernel[3,15]', 'layer0/recurrent_kernel[5,15]', 'layer0/bias[15]',
      'layer1/kernel[5,4]', 'layer1/recurrent_kernel[4,4]', 'layer1/bias[4]',
      'layer2/kernel[4,12]', 'layer2/recurrent_kernel[3,12]',
      'head/kernel[3,2]', 'head/bias[2]',
    ]);
    assert.deepEqual(stateTensors(spec).map((s) => s.name), ['layer0/h', 'layer1/h', 'layer2/h', 'layer2/c']);
    // A resolved mixed spec resolves to itself (bundles re-resolve what they decode).
    assert.deepEqual(resolveSpec(spec), spec);
  });

  it('keeps uniform specs exactly as before, however written', () => {
    const classic = resolveSpec({ cell: 'lstm', layers: [4, 4], inputWidth: 2, head: { units: 1 } });
    assert.equal('stack' in classic, false);
    assert.deepEqual(resolveSpec({ stack: [{ cell: 'lstm', units: 4 }, { cell: 'lstm', units: 4 }], inputWidth: 2, head: { units: 1 } }), classic);
  });

  it('refuses malformed stacks, naming the field', () => {
    assert.throws(() => resolveSpec({ ...MIXED, stack: [] }), /spec.stack must be a non-empty array/);
    assert.throws(() => resolveSpec({ ...MIXED, stack: [{ cell: 'rnn', units: 3 }] }), (e: unknown) => e instanceof ModelSpecError && /spec.stack\[0\].cell/.test(e.message));
    assert.throws(() => resolveSpec({ ...MIXED, stack: [{ cell: 'gru', units: 0 }] }), /spec.stack\[0\].units must be a positive integer/);
    assert.throws(() => resolveSpec({ ...MIXED, layers: [5, 4, 4] }), /disagrees with spec.stack's units/);
  });

  it('round-trips through the bundle codec; architecture compares layer by layer', () => {
    const bundle = randomBundle(MIXED, 3);
    const decoded = decodeBundle(encodeBundle(bundle));
    assert.deepEqual(decoded.spec, bundle.spec);
    assert.ok(sameArchitecture(decoded.spec, bundle.spec));
    const other = resolveSpec({ ...MIXED, stack: MIXED.stack!.map((l, i) => (i === 1 ? { ...l, activation: 'tanh' as const } : l)) });
    assert.equal(sameArchitecture(bundle.spec, other), false);
    // Fresh weights: LSTM forget-gate bias 1 only in LSTM layers with a bias.
    const fresh = createBundle({ name: 'f', spec: { ...MIXED, stack: [{ cell: 'simple', units: 2 }, { cell: 'lstm', units: 2 }] } });
    assert.deepEqual([...fresh.tensors.get('layer0/bias')!], [0, 0]);
    assert.deepEqual([...fresh.tensors.get('layer1/bias')!], [0, 0, 1, 1, 0, 0, 0, 0]);
  });

  for (const engine of [{ kind: 'onnx' }, { kind: 'onnx', fusedCells: true }, { kind: 'tfjs', backend: 'cpu' }] as EngineConfig[]) {
    it(`runs on ${engine.kind}${engine.kind === 'onnx' && engine.fusedCells === true ? '-fused' : ''} as the reference kernel does`, async () => {
      const bundle = randomBundle({ ...MIXED, stack: [...MIXED.stack!, { cell: 'gru', units: 4 }] }, 7);
      const reference = new ReferenceKernel(bundle);
      const kernel = await createKernel(bundle, engine);
      try {
        const sizes = stateTensors(bundle.spec).map((s) => s.size);
        const refStates = sizes.map((s, i) => randomArray(2 * s, 50 + i, 0.8));
        const states = refStates.map((s) => Float32Array.from(s));
        for (let step = 0; step < 3; step++) {
          const x = randomArray(2 * 3, 60 + step, 2);
          const want = Float32Array.from(reference.run(x, refStates, 2));
          const got = Float32Array.from(await kernel.run(x, states, 2));
          assert.ok(maxAbsDiff(got, want) < 1e-5, `step ${step}: ${maxAbsDiff(got, want)}`);
        }
      } finally {
        await kernel.dispose();
      }
    });
  }

  it('trains: ONNX and TF.js gradients agree on a mixed stack', async () => {
    const bundle = randomBundle(MIXED, 9);
    const data = { streams: 2, steps: 5, inputs: randomArray(2 * 5 * 3, 70), targets: randomArray(2 * 5 * 2, 71) };
    const onnx = await tbpttGradients(bundle, data, { k1: 5, engine: 'onnx' });
    const tfjs = await tbpttGradients(bundle, data, { k1: 5, engine: 'tfjs' });
    for (const [name, g] of tfjs) assert.ok(maxAbsDiff(onnx.get(name)!, g) < 1e-5, `${name}: ${maxAbsDiff(onnx.get(name)!, g)}`);
  });
});
