import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignalGenerator } from './signal';

describe('SignalGenerator', () => {
  it('is deterministic for a seed and gives finite values of the requested width', () => {
    const a = new SignalGenerator({ streams: 3, width: 4, seed: 7 });
    const b = new SignalGenerator({ streams: 3, width: 4, seed: 7 });
    for (let k = 0; k < 50; k++) {
      const x = a.next(k % 3);
      assert.deepEqual(x, b.next(k % 3));
      assert.equal(x.values.length, 4);
      assert.ok(x.values.every(Number.isFinite));
    }
  });

  it('injects anomalies at roughly the configured rate, far from the normal range', () => {
    const g = new SignalGenerator({ streams: 1, width: 1, anomalyRate: 0.05, noise: 0, seed: 1 });
    const events = Array.from({ length: 2000 }, () => g.next(0));
    const anomalies = events.filter((e) => e.anomaly);
    assert.ok(anomalies.length > 60 && anomalies.length < 140, `${anomalies.length} anomalies`);
    const normal = events.filter((e) => !e.anomaly).map((e) => e.values[0]);
    const max = Math.max(...normal);
    const min = Math.min(...normal);
    assert.ok(anomalies.every((e) => e.values[0] > max + 2 || e.values[0] < min - 2));
  });

  it('shifts regime: larger amplitude after shiftAt', () => {
    const g = new SignalGenerator({ streams: 1, width: 1, period: 50, shiftAt: 500, noise: 0, anomalyRate: 0, seed: 3 });
    const values = Array.from({ length: 1000 }, () => g.next(0).values[0]);
    const range = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    assert.ok(range(values.slice(500)) > 1.6 * range(values.slice(0, 500)));
  });
});
