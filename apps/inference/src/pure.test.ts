import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_VERSION } from '@streamcell/registry';
import { alertThreshold, newResidualState, scoreEvent, type AlertRule, type ResidualState } from './residual-detector';
import { decodeStateRecord, encodeStateRecord, StateRecordError } from './state-record';
import { planWaves } from './waves';

describe('scoreEvent on a constant stream', () => {
  it('scores a drop to exactly 0 (a dead sensor) with a finite score', () => {
    const rule: AlertRule = { zThreshold: 6, warmup: 20, cooldown: 3, halfLife: 100 };
    const state = newResidualState();
    const alerts: number[] = [];
    for (let i = 0; i < 60; i++) {
      const v = i === 40 ? 0 : 5;
      const verdict = scoreEvent(state, Float32Array.of(v, v), i, rule);
      if (verdict?.alert) alerts.push(verdict.alert.score);
      state.forecast = Float32Array.of(v, v); // a forecaster that learned the constant
    }
    assert.equal(alerts.length, 1);
    assert.ok(Number.isFinite(alerts[0]) && alerts[0] > rule.zThreshold, String(alerts[0]));
  });
});

describe('planWaves', () => {
  it('puts each stream at most once per wave and keeps per-stream order', () => {
    const streams = ['a', 'b', 'a', 'c', 'a', 'b'];
    assert.deepEqual(planWaves((i) => streams[i], streams.length), [[0, 1, 3], [2, 5], [4]]);
  });
  it('is empty for no items', () => assert.deepEqual(planWaves(() => 'x', 0), []));
  it('cuts waves longer than the state table into consecutive ones, keeping each stream in order', () => {
    const streams = ['a', 'b', 'a', 'c', 'd', 'b'];
    assert.deepEqual(planWaves((i) => streams[i], streams.length, 2), [[0, 1], [3, 4], [2, 5]]);
  });
});

describe('scoreEvent', () => {
  const rule: AlertRule = { zThreshold: 4, warmup: 10, cooldown: 2, halfLife: 50 };
  /** Feeds a last-value forecaster's residuals: each event's forecast is the previous actual. */
  function run(values: readonly number[], s: ResidualState = newResidualState()): { alerts: number[]; s: ResidualState } {
    const alerts: number[] = [];
    values.forEach((v, i) => {
      const verdict = scoreEvent(s, Float32Array.of(v), i, rule);
      if (verdict?.alert) alerts.push(verdict.alert.ts);
      s.forecast = Float32Array.of(v);
    });
    return { alerts, s };
  }
  const noise = (i: number): number => 10 + 0.1 * Math.sin(i * 1.7) + 0.05 * Math.cos(i * 3.1);

  it('alerts on an isolated spike, one event late (the next event confirms it), with the spike event\'s time', () => {
    const values = Array.from({ length: 60 }, (_, i) => noise(i));
    values[40] += 5;
    assert.deepEqual(run(values).alerts, [40]);
  });

  it('does not alert on a level shift or a lasting regime change (the value stays where it jumped)', () => {
    const shift = Array.from({ length: 80 }, (_, i) => noise(i) + (i >= 40 ? 5 : 0));
    assert.deepEqual(run(shift).alerts, []);
    const louder = Array.from({ length: 120 }, (_, i) => (i >= 40 ? 10 + 8 * Math.sin(i * 0.9) : noise(i)));
    assert.ok(run(louder).alerts.length <= 2, `a regime change storms: ${run(louder).alerts.length} alerts`);
  });

  it('forgets: anomalies and early errors do not mask later anomalies', () => {
    const values = Array.from({ length: 500 }, (_, i) => noise(i) + (i < 30 ? 3 * Math.sin(i) : 0));
    for (const at of [200, 260, 320, 380, 440]) values[at] += 4;
    assert.deepEqual(run(values).alerts, [200, 260, 320, 380, 440]);
  });

  it('alerts on the first spike of a stream that was exactly constant (no 0/0), but not on float noise of a large constant', () => {
    const flat = Array.from({ length: 60 }, () => 0);
    flat[40] = 1;
    assert.deepEqual(run(flat).alerts, [40]);
    const big = Array.from({ length: 60 }, (_, i) => Math.fround(1e6 + (i % 2) * 0.0625));
    assert.deepEqual(run(big).alerts, []);
  });

  it('re-warms after a model swap and gives a finite threshold only after warm-up', () => {
    const { s } = run(Array.from({ length: 60 }, (_, i) => noise(i)));
    assert.ok(Number.isFinite(alertThreshold(s, rule)));
    s.forecastVersion = 2;
    scoreEvent(s, Float32Array.of(noise(61)), 61, rule);
    assert.equal(s.count, rule.warmup + 1, 'statistics re-learn quickly after a swap');
    assert.ok(Number.isNaN(alertThreshold(newResidualState(), rule)));
  });
});

describe('state record', () => {
  it('round-trips state, alert statistics and a pending outlier candidate', () => {
    const residual = newResidualState();
    Object.assign(residual, { forecast: Float32Array.of(0.5, -1.25), forecastVersion: 3, last: Float32Array.of(1, 2), count: 7, mean: 0.3, variance: 1.5, naiveScale: 0.7, cooldownLeft: 2, statsVersion: 3, afterOutlier: true });
    residual.pending = { ts: 1234, residual: 9, score: 7.5, threshold: 3, expected: Float32Array.of(1, 1), actual: Float32Array.of(10, 10), modelVersion: 3 };
    const back = decodeStateRecord(encodeStateRecord({ state: Uint8Array.of(1, 2, 3, 4, 5), residual }));
    assert.deepEqual([...back.state], [1, 2, 3, 4, 5]);
    assert.deepEqual(back.residual, residual);
    const none = decodeStateRecord(encodeStateRecord({ state: Uint8Array.of(9), residual: newResidualState() }));
    assert.deepEqual(none.residual, newResidualState());
  });
  it('holds every version the registry may publish (up to MAX_VERSION)', () => {
    const residual = newResidualState();
    Object.assign(residual, { forecast: Float32Array.of(1), forecastVersion: MAX_VERSION, statsVersion: MAX_VERSION });
    residual.pending = { ts: 1, residual: 1, score: 5, threshold: 3, expected: Float32Array.of(1), actual: Float32Array.of(2), modelVersion: MAX_VERSION };
    assert.deepEqual(decodeStateRecord(encodeStateRecord({ state: Uint8Array.of(1), residual })).residual, residual);
  });
  it('reads first-release (v1) records', () => {
    const v1 = Buffer.alloc(9 + 1 + 4 + 4 + 24 + 4);
    let o = v1.writeUInt32LE(0x52534353, 0);
    o = v1.writeUInt8(1, o);
    o = v1.writeUInt32LE(1, o);
    o = v1.writeUInt8(7, o);
    o = v1.writeUInt32LE(1, o);
    o = v1.writeFloatLE(2.5, o);
    o = v1.writeDoubleLE(5, o);
    o = v1.writeDoubleLE(0.2, o);
    o = v1.writeDoubleLE(0.8, o);
    v1.writeUInt32LE(1, o);
    const back = decodeStateRecord(v1);
    assert.deepEqual([...back.state], [7]);
    assert.deepEqual([...back.residual.forecast!], [2.5]);
    assert.equal(back.residual.variance, 0.2);
    assert.equal(back.residual.cooldownLeft, 1);
  });
  it('refuses bytes that are not a state record', () => {
    assert.throws(() => decodeStateRecord(Uint8Array.of(1, 2, 3)), StateRecordError);
    const good = encodeStateRecord({ state: Uint8Array.of(1), residual: newResidualState() });
    assert.throws(() => decodeStateRecord(good.subarray(0, good.length - 3)), /truncated/);
  });
});
