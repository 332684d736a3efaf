import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBundle, evaluateLoss } from '@streamcell/model';
import { burnInStates, validationLoss, type Sequences } from './evaluation';

function data(): Sequences {
  const streams = 3;
  const steps = 12;
  const inputs = Float32Array.from({ length: streams * steps * 2 }, (_, i) => 4 + Math.sin(i * 0.37) * 2);
  const targets = Float32Array.from({ length: streams * steps * 2 }, (_, i) => 4 + Math.cos(i * 0.21) * 2);
  return { streams, steps, inputs, targets };
}

describe('validationLoss', () => {
  const spec = { cell: 'lstm' as const, layers: [5], inputWidth: 2, head: { units: 2 } };

  it('equals libs/model evaluateLoss for a raw model (same oracle, warm-up excluded)', () => {
    const b = createBundle({ name: 'x', spec, init: { seed: 4 } });
    const ours = validationLoss(b, data(), 3, null, 'mse');
    const theirs = evaluateLoss(b, data(), { loss: 'mse', warmupSteps: 3 });
    assert.ok(Math.abs(ours - theirs) < 1e-6, `${ours} vs ${theirs}`);
  });

  it('scores versions with different frozen statistics in one common unit', () => {
    const tensors = createBundle({ name: 'x', spec, init: { seed: 4 } }).tensors;
    const a = createBundle({ name: 'x', spec: { ...spec, normalization: { mean: [4, 4], std: [2, 2] } }, tensors });
    const common = { mean: [4, 4], std: [2, 2] };
    // In a's own units evaluateLoss agrees; in raw units (no common normalisation) the MSE is std² larger.
    const own = validationLoss(a, data(), 3, common, 'mse');
    assert.ok(Math.abs(own - evaluateLoss(a, data(), { warmupSteps: 3 })) < 1e-6);
    assert.ok(Math.abs(validationLoss(a, data(), 3, null, 'mse') - 4 * own) < 1e-5);
  });

  it('burn-in states equal the states reached by stepping from zero', () => {
    const b = createBundle({ name: 'x', spec, init: { seed: 4 } });
    const d = data();
    const one = burnInStates(b, 1, 12, d.inputs.subarray(0, 24));
    assert.equal(one.length, 2, 'h and c');
    assert.ok(one[0].some((v) => v !== 0));
    assert.deepEqual(burnInStates(b, 1, 0, new Float32Array(0)).map((a) => [...a]), [new Array<number>(5).fill(0), new Array<number>(5).fill(0)]);
  });
});
