import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIN_STD, RunningStats } from './running-stats';

describe('RunningStats (Welford)', () => {
  it('matches the two-pass mean and population std, even with a large offset', () => {
    const rows = Array.from({ length: 500 }, (_, i) => [1e6 + Math.sin(i) * 3, i % 7]);
    const stats = new RunningStats(2);
    for (const r of rows) stats.add(r);
    const { mean, std } = stats.freeze();
    for (let j = 0; j < 2; j++) {
      const m = rows.reduce((a, r) => a + r[j], 0) / rows.length;
      const v = rows.reduce((a, r) => a + (r[j] - m) ** 2, 0) / rows.length;
      assert.ok(Math.abs(mean[j] - m) < 1e-6 * Math.max(1, Math.abs(m)), `mean ${j}`);
      assert.ok(Math.abs(std[j] - Math.sqrt(v)) < 1e-6, `std ${j}: ${std[j]} vs ${Math.sqrt(v)}`);
    }
  });

  it('freezes mean 0 / std 1 before data and floors a constant feature\'s std', () => {
    assert.deepEqual(new RunningStats(2).freeze(), { mean: [0, 0], std: [1, 1] });
    const s = new RunningStats(1);
    for (let i = 0; i < 10; i++) s.add([4]);
    assert.deepEqual(s.freeze(), { mean: [4], std: [MIN_STD] });
  });

  it('round-trips through its exported state and refuses another width', () => {
    const s = new RunningStats(2);
    s.add([1, 2]);
    s.add([3, 5]);
    const copy = new RunningStats(2, s.exportState());
    copy.add([0, 0]);
    s.add([0, 0]);
    assert.deepEqual(copy.freeze(), s.freeze());
    assert.throws(() => new RunningStats(3, s.exportState()), /width 2, the model's input width is 3/);
  });
});
