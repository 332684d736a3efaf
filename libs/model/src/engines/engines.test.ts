import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createBundle } from '../bundle/bundle';
import { DuplicateStreamError, EngineUnavailableError, StateTableError } from '../errors';
import { stateTensors } from '../spec/shapes';
import { CELL_VARIANTS, maxAbsDiff, randomArray, randomBundle } from '../test-support';
import { tf } from '../tfjs/backend';
import type { EngineConfig } from './config';
import { createKernel } from './factory';
import type { StepKernel } from './kernel';
import { ReferenceKernel } from './reference/kernel';
import { StreamingModel } from './streaming-model';

const ENGINES: readonly EngineConfig[] = [
  { kind: 'onnx' },
  { kind: 'onnx', fusedCells: true },
  { kind: 'tfjs', backend: 'cpu' },
  { kind: 'tfjs', backend: 'wasm' },
];
const STACKS = [[7], [6, 5]] as const;
const TOL = 1e-5;

describe('every engine agrees with the reference kernel', () => {
  for (const variant of CELL_VARIANTS) {
    for (const layers of STACKS) {
      for (const engine of ENGINES) {
        it(`${variant.label} layers=${layers.join('x')} on ${engine.kind === 'tfjs' ? `tfjs-${engine.backend}` : engine.kind === 'onnx' && engine.fusedCells === true ? 'onnx-fused' : engine.kind}`, async () => {
          const bundle = randomBundle({ ...variant.spec, layers: [...layers], inputWidth: 3, head: { units: 2, activation: 'linear' } }, 11);
          const reference = new ReferenceKernel(bundle);
          const kernel = await createKernel(bundle, engine);
          try {
            const batch = 4;
            const sizes = stateTensors(bundle.spec).map((s) => s.size);
            const refStates = sizes.map((s, i) => randomArray(batch * s, 100 + i, 0.8));
            const engStates = refStates.map((s) => Float32Array.from(s));
            // Several steps, so state carried across calls is compared too.
            for (let step = 0; step < 3; step++) {
              const x = randomArray(batch * 3, 200 + step, 2);
              const yRef = Float32Array.from(reference.run(x, refStates, batch));
              const y = Float32Array.from(await kernel.run(x, engStates, batch));
              assert.ok(maxAbsDiff(y, yRef) < TOL, `step ${step} output differs by ${maxAbsDiff(y, yRef)}`);
              refStates.forEach((s, i) => assert.ok(maxAbsDiff(engStates[i], s) < TOL, `state ${i} differs`));
            }
          } finally {
            await kernel.dispose();
          }
        });
      }
    }
  }

  it('covers every activation on onnx and tfjs', async () => {
    for (const activation of ['relu', 'elu', 'softsign', 'softplus', 'hard_sigmoid', 'hard_sigmoid_keras3'] as const) {
      const bundle = randomBundle({ cell: 'lstm', layers: [4], inputWidth: 2, head: { units: 1, activation: 'exponential' }, activation, recurrentActivation: activation === 'relu' ? 'hard_sigmoid' : activation }, 5);
      const x = randomArray(6, 9, 2);
      const ref = new ReferenceKernel(bundle).run(x, [new Float32Array(12), new Float32Array(12)], 3);
      for (const engine of [{ kind: 'onnx' }, { kind: 'tfjs', backend: 'cpu' }] as const) {
        const k: StepKernel = await createKernel(bundle, engine);
        const y = await k.run(x, [new Float32Array(12), new Float32Array(12)], 3);
        assert.ok(maxAbsDiff(y, ref) < TOL, `${activation} on ${engine.kind}`);
        await k.dispose();
      }
    }
  });
});

describe('StreamingModel', () => {
  const spec = { cell: 'lstm', layers: [5, 4], inputWidth: 2, head: { units: 2 }, normalization: { mean: [1, -1], std: [2, 0.5] } } as const;
  const bundle = randomBundle(spec, 3);
  const models: StreamingModel[] = [];
  after(async () => {
    for (const m of models) await m.dispose();
  });

  it('keeps one state per stream across batches in any order and normalises inputs/outputs', async () => {
    const model = await StreamingModel.create({ bundle, engine: { kind: 'onnx' }, capacity: 10 });
    models.push(model);
    const ref = new ReferenceKernel(bundle);
    const sizes = stateTensors(bundle.spec).map((s) => s.size);
    const own = new Map(['a', 'b', 'c'].map((id) => [id, sizes.map((s) => new Float32Array(s))]));
    const order = [['a', 'b'], ['c', 'a', 'b'], ['b'], ['a', 'c']];
    for (let i = 0; i < order.length; i++) {
      const ids = order[i];
      const raw = randomArray(ids.length * 2, 50 + i, 3);
      const y = await model.step(ids, raw, i);
      for (let b = 0; b < ids.length; b++) {
        const x = Float32Array.of((raw[b * 2] - 1) / 2, (raw[b * 2 + 1] + 1) / 0.5);
        const expect = Float32Array.from(ref.run(x, own.get(ids[b])!, 1));
        expect[0] = expect[0] * 2 + 1;
        expect[1] = expect[1] * 0.5 - 1;
        assert.ok(maxAbsDiff(y.subarray(b * 2, b * 2 + 2), expect) < 1e-4, `batch ${i} stream ${ids[b]}`);
      }
    }
    assert.equal(model.table.size, 3);
  });

  it('throws on a stream named twice in one step, and on bad sizes', async () => {
    const model = await StreamingModel.create({ bundle, engine: { kind: 'reference' }, capacity: 3 });
    models.push(model);
    await assert.rejects(model.step(['a', 'b', 'a'], new Float32Array(6)), DuplicateStreamError);
    await assert.rejects(model.step(['a'], new Float32Array(3)), StateTableError);
    await assert.rejects(model.step(['a', 'b', 'c', 'd'], new Float32Array(8)), /exceeds the state table capacity 3/);
  });

  it('keeps states across a same-architecture swap and drops them otherwise', async () => {
    const model = await StreamingModel.create({ bundle, engine: { kind: 'reference' }, capacity: 3 });
    models.push(model);
    await model.step(['a'], Float32Array.of(1, 2));
    const next = randomBundle(spec, 4);
    assert.deepEqual(await model.swapWeights(next), { statesKept: true });
    assert.equal(model.table.has('a'), true);
    const wider = randomBundle({ ...spec, layers: [6] }, 4);
    assert.deepEqual(await model.swapWeights(wider), { statesKept: false });
    assert.equal(model.table.size, 0);
    assert.equal((await model.step(['a'], Float32Array.of(1, 2))).length, 2);
  });

  it('fails at start, naming the package, for an uninstalled backend', async () => {
    const b = createBundle({ name: 'x', spec: { cell: 'simple', layers: [2], inputWidth: 1, head: { units: 1 } } });
    await assert.rejects(StreamingModel.create({ bundle: b, engine: { kind: 'tfjs', backend: 'tensorflow' }, capacity: 1 }),
      (e: unknown) => e instanceof EngineUnavailableError && e.message.includes('npm install @tensorflow/tfjs-node'));
  });

  it('leaves tf.memory().numTensors unchanged after repeated TF.js steps and swaps', async () => {
    const model = await StreamingModel.create({ bundle, engine: { kind: 'tfjs', backend: 'cpu' }, capacity: 8 });
    models.push(model);
    await model.step(['a', 'b'], new Float32Array(4));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await model.step(['a', 'b', `s${i % 5}`], randomArray(6, i));
    await model.swapWeights(randomBundle(spec, 8));
    await model.step(['a'], Float32Array.of(0, 0));
    assert.equal(tf.memory().numTensors, before);
  });
});
