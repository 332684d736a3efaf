import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createBundle, StreamingModel } from '@streamcell/model';
import { StepScheduler } from './step-scheduler';

const model = (width: number): Promise<StreamingModel> =>
  StreamingModel.create({ bundle: createBundle({ name: 'm', spec: { cell: 'lstm', layers: [4], inputWidth: width, head: { units: width } }, init: { seed: 1 } }), engine: { kind: 'reference' }, capacity: 64 });

describe('StepScheduler', () => {
  const models: StreamingModel[] = [];
  after(async () => {
    for (const m of models) await m.dispose();
  });

  it('merges the waves queued together into one step and hands each its rows', async () => {
    const m = await model(2);
    models.push(m);
    const steps: number[] = [];
    const s = new StepScheduler(() => m, (batch) => steps.push(batch));
    const [a, b] = await Promise.all([s.step(['a'], Float32Array.of(1, 2)), s.step(['b', 'c'], Float32Array.of(3, 4, 5, 6))]);
    assert.deepEqual(steps, [3]);
    assert.equal(a.output.length, 2);
    assert.equal(b.output.length, 4);
  });

  it('refuses waves built for another input width (a swap landed before their step) and steps the rest', async () => {
    const [wide, narrow] = [await model(3), await model(2)];
    models.push(wide, narrow);
    let current = wide;
    const s = new StepScheduler(() => current);
    const before = [s.step(['a'], new Float32Array(3)), s.step(['b'], new Float32Array(3))];
    const afterSwap = s.step(['c'], new Float32Array(2));
    current = narrow; // the swap ran as an exclusive ahead of them
    for (const p of before) await assert.rejects(p, /built for 3 inputs per event reached a model that takes 2/);
    assert.equal((await afterSwap).output.length, 2);
  });
});
