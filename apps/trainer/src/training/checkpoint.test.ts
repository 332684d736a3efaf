import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBundle } from '@streamcell/model';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type TrainerCheckpoint } from './checkpoint';

function sample(): TrainerCheckpoint {
  const working = createBundle({ name: 'm', spec: { cell: 'gru', layers: [3], inputWidth: 2, head: { units: 2 } }, init: { seed: 3 }, version: 4, parentVersion: 3 });
  const m: Record<string, Float32Array> = {};
  const v: Record<string, Float32Array> = {};
  for (const [k, t] of working.tensors) {
    m[k] = t.map((x) => x * 0.5);
    v[k] = t.map((x) => x * x);
  }
  return {
    modelName: 'm',
    headVersion: 3,
    working,
    optimizer: { step: 17, m, v },
    stats: { count: 5, mean: [1, 2], m2: [3, 4] },
    counters: { rounds: 2, iterations: 9, updates: 17, published: 1, rejected: 1, events: 500, consecutiveRejections: 1 },
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('trainer checkpoint codec', () => {
  it('round-trips weights, Adam moments, statistics and counters exactly', () => {
    const c = sample();
    const back = decodeCheckpoint(encodeCheckpoint(c));
    assert.equal(back.headVersion, 3);
    assert.deepEqual(back.stats, c.stats);
    assert.deepEqual(back.counters, c.counters);
    assert.equal(back.working.version, 4);
    for (const [k, t] of c.working.tensors) assert.deepEqual(back.working.tensors.get(k), t);
    assert.equal(back.optimizer?.step, 17);
    for (const k of Object.keys(c.optimizer!.m)) {
      assert.deepEqual(back.optimizer.m[k], c.optimizer!.m[k]);
      assert.deepEqual(back.optimizer.v[k], c.optimizer!.v[k]);
    }
  });

  it('round-trips a checkpoint taken before any update (no optimiser state)', () => {
    const back = decodeCheckpoint(encodeCheckpoint({ ...sample(), optimizer: undefined }));
    assert.equal(back.optimizer, undefined);
  });

  it('refuses corrupted, truncated and foreign bytes', () => {
    const bytes = encodeCheckpoint(sample());
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] ^= 0xff;
    assert.throws(() => decodeCheckpoint(flipped), (e: unknown) => e instanceof CheckpointError && /checksum/.test(e.message));
    assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 10)), CheckpointError);
    assert.throws(() => decodeCheckpoint(Buffer.from('SCWB....')), /bad magic/);
  });
});
