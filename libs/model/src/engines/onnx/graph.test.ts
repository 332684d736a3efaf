import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stateTensors } from '../../spec/shapes';
import { CELL_VARIANTS, maxAbsDiff, randomArray, randomBundle } from '../../test-support';
import { ReferenceKernel } from '../reference/kernel';
import { buildStepGraph } from './graph';
import { OnnxKernel } from './kernel';

describe('ONNX step graph', () => {
  for (const variant of CELL_VARIANTS) {
    it(`${variant.label} without bias agrees with the reference kernel (run and runInto)`, async () => {
      const bundle = randomBundle({ ...variant.spec, layers: [5, 4], inputWidth: 3, head: { units: 2 }, useBias: false }, 21);
      const ref = new ReferenceKernel(bundle);
      const kernel = await OnnxKernel.create(bundle);
      try {
        const batch = 3;
        const sizes = stateTensors(bundle.spec).map((s) => s.size);
        const refStates = sizes.map((s, i) => randomArray(batch * s, 30 + i, 0.8));
        const inStates = refStates.map((s) => Float32Array.from(s));
        const outStates = sizes.map((s) => new Float32Array(batch * s));
        const x = randomArray(batch * 3, 40, 2);
        const yRef = Float32Array.from(ref.run(x, refStates, batch));
        const before = inStates.map((s) => Float32Array.from(s));
        const y = await kernel.runInto(x, inStates, outStates, batch);
        assert.ok(maxAbsDiff(y, yRef) < 1e-5);
        outStates.forEach((s, i) => assert.ok(maxAbsDiff(s, refStates[i]) < 1e-5, `state ${i}`));
        // runInto leaves its inputs alone.
        inStates.forEach((s, i) => assert.deepEqual(s, before[i]));
      } finally {
        await kernel.dispose();
      }
    });
  }

  it('has no Split or Identity copies and names its outputs directly', () => {
    for (const variant of CELL_VARIANTS) {
      const { graph, io } = buildStepGraph(randomBundle({ ...variant.spec, layers: [4], inputWidth: 2, head: { units: 1 } }));
      const ops = graph.nodes.map((n) => n.op);
      assert.ok(!ops.includes('Split') && !ops.includes('Identity'), `${variant.label}: ${ops.join(',')}`);
      const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
      for (const name of [io.output, ...io.stateOutputs]) assert.ok(produced.has(name), name);
    }
  });

  it('reuses its tensors across steps at one batch size and follows new buffers', async () => {
    const bundle = randomBundle({ cell: 'lstm', layers: [4], inputWidth: 2, head: { units: 1 } }, 5);
    const ref = new ReferenceKernel(bundle);
    const kernel = await OnnxKernel.create(bundle);
    try {
      const refStates = [new Float32Array(8), new Float32Array(8)];
      let a = [new Float32Array(8), new Float32Array(8)];
      let b = [new Float32Array(8), new Float32Array(8)];
      const x = new Float32Array(4); // one input buffer: only the state buffers change between steps
      for (let step = 0; step < 4; step++) {
        x.set(randomArray(4, step, 1));
        const yRef = Float32Array.from(ref.run(x, refStates, 2));
        const y = await kernel.runInto(x, a, b, 2);
        assert.ok(maxAbsDiff(y, yRef) < 1e-5, `step ${step}`);
        b.forEach((s, i) => assert.ok(maxAbsDiff(s, refStates[i]) < 1e-5, `step ${step} state ${i}`));
        [a, b] = [b, a]; // the other way round next time: the cached binding must not be used for it
      }
    } finally {
      await kernel.dispose();
    }
  });
});
