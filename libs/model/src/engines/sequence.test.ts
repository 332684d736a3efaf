import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelSpec } from '../spec/spec';
import { maxAbsDiff, randomArray, randomBundle, wholeSequence } from '../test-support';
import { useTfjsBackend } from '../tfjs/backend';
import type { EngineConfig } from './config';
import { StreamingModel } from './streaming-model';

const CASES: { label: string; spec: ModelSpec }[] = [
  { label: 'simple 2 layers', spec: { cell: 'simple', layers: [6, 4], inputWidth: 2, head: { units: 1 } } },
  { label: 'lstm 1 layer', spec: { cell: 'lstm', layers: [5], inputWidth: 2, head: { units: 2 } } },
  { label: 'lstm 2 layers', spec: { cell: 'lstm', layers: [5, 3], inputWidth: 2, head: { units: 1 } } },
  { label: 'gru reset-before 2 layers', spec: { cell: 'gru', resetAfter: false, layers: [4, 4], inputWidth: 2, head: { units: 1 } } },
];
const ENGINES: EngineConfig[] = [{ kind: 'reference' }, { kind: 'onnx' }, { kind: 'tfjs', backend: 'wasm' }];

describe('T streamed steps equal one whole-sequence run (tfjs-layers)', () => {
  for (const c of CASES) {
    for (const engine of ENGINES) {
      it(`${c.label} on ${engine.kind}`, async () => {
        await useTfjsBackend('cpu');
        const bundle = randomBundle(c.spec, 21);
        const batch = 3;
        const steps = 12;
        const x = randomArray(batch * steps * 2, 31, 1.5);
        const expected = wholeSequence(bundle, x, batch, steps);
        const model = await StreamingModel.create({ bundle, engine, capacity: batch });
        const out = bundle.spec.head.units;
        const ids = ['s0', 's1', 's2'];
        try {
          for (let t = 0; t < steps; t++) {
            const xt = new Float32Array(batch * 2);
            for (let b = 0; b < batch; b++) xt.set(x.subarray((b * steps + t) * 2, (b * steps + t) * 2 + 2), b * 2);
            const y = await model.step(ids, xt);
            for (let b = 0; b < batch; b++) {
              const e = expected.subarray((b * steps + t) * out, (b * steps + t + 1) * out);
              assert.ok(maxAbsDiff(y.subarray(b * out, (b + 1) * out), e) < 1e-5, `t=${t} b=${b}: ${y[b * out]} vs ${e[0]}`);
            }
          }
        } finally {
          await model.dispose();
        }
      });
    }
  }
});
