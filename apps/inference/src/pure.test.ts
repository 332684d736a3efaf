import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newResidualState, scoreEvent, type AlertRule } from './residual-detector';
import { decodeStateRecord, encodeStateRecord, StateRecordError } from './state-record';
import { planWaves } from './waves';

describe('planWaves', () => {
  it('puts each stream at most once per wave and keeps per-stream order', () => {
    const streams = ['a', 'b', 'a', 'c', 'a', 'b'];
    assert.deepEqual(planWaves((i) => streams[i], streams.length), [[0, 1, 3], [2, 5], [4]]);
  });
  it('is empty for no items', () => assert.deepEqual(planWaves(() => 'x', 0), []));
});

describe('scoreEvent', () => {
  const rule: AlertRule = { zThreshold: 3, warmup: 5, cooldown: 2 };
  it('alerts on a residual far above the stream history, after warm-up, then cools down', () => {
    const s = newResidualState();
    assert.equal(scoreEvent(s, [1], undefined, rule), undefined, 'no forecast yet');
    const verdicts = [];
    for (const actual of [1.1, 0.9, 1.05, 0.95, 1.1, 0.9, 10, 10, 10, 10]) {
      s.forecast = Float32Array.of(1);
      verdicts.push(scoreEvent(s, [actual], undefined, rule)!);
    }
    assert.deepEqual(verdicts.map((v) => v.alert), [false, false, false, false, false, false, true, false, false, false]);
    assert.ok(verdicts[6].score > 3);
    assert.ok(Math.abs(verdicts[0].residual - 0.1) < 1e-6);
  });
  it('maps forecast outputs to the configured features', () => {
    const s = newResidualState();
    s.forecast = Float32Array.of(2);
    const v = scoreEvent(s, [0, 5], [1], rule)!;
    assert.ok(Math.abs(v.residual - 3) < 1e-6);
  });
});

describe('state record', () => {
  it('round-trips state and alert statistics', () => {
    const r = { state: Uint8Array.of(1, 2, 3, 4, 5), residual: { forecast: Float32Array.of(0.5, -1.25), count: 7, mean: 0.3, m2: 1.5, cooldownLeft: 2 } };
    const back = decodeStateRecord(encodeStateRecord(r));
    assert.deepEqual([...back.state], [1, 2, 3, 4, 5]);
    assert.deepEqual([...back.residual.forecast!], [0.5, -1.25]);
    assert.deepEqual({ ...back.residual, forecast: null }, { forecast: null, count: 7, mean: 0.3, m2: 1.5, cooldownLeft: 2 });
    const none = decodeStateRecord(encodeStateRecord({ state: Uint8Array.of(9), residual: newResidualState() }));
    assert.equal(none.residual.forecast, null);
  });
  it('refuses bytes that are not a state record', () => {
    assert.throws(() => decodeStateRecord(Uint8Array.of(1, 2, 3)), StateRecordError);
    const good = encodeStateRecord({ state: Uint8Array.of(1), residual: newResidualState() });
    assert.throws(() => decodeStateRecord(good.subarray(0, good.length - 3)), /truncated/);
  });
});
