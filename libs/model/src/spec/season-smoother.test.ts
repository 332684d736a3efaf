import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { savitzkyGolay, smoothHalfWidth } from './season-smoother';

const apply = (w: Float64Array, f: (i: number) => number): number => w.reduce((v, c, j) => v + c * f(j - (w.length - 1) / 2), 0);

describe('savitzkyGolay', () => {
  it('reproduces any cubic at the centre, so a peak keeps its height', () => {
    for (const m of [2, 3, 7]) {
      const w = savitzkyGolay(m);
      assert.equal(w.length, 2 * m + 1);
      const cubic = (i: number): number => 3 - 2 * i + 0.5 * i * i - 0.1 * i * i * i;
      assert.ok(Math.abs(apply(w, cubic) - cubic(0)) < 1e-12, `m = ${m}`);
    }
  });

  it('divides the variance of white noise by about 6.6 over 15 events', () => {
    const w = savitzkyGolay(7);
    const factor = w.reduce((v, c) => v + c * c, 0);
    assert.ok(Math.abs(factor - 501 / 3315) < 1e-12, `factor ${factor}`);
  });

  it('leaves the value as it came for a window of one or three events', () => {
    assert.deepEqual([...savitzkyGolay(0)], [1]);
    assert.deepEqual([...savitzkyGolay(1)].map((c) => Math.round(c * 1e12) / 1e12), [0, 1, 0]);
  });
});

describe('smoothHalfWidth', () => {
  it('spans at most a quarter of a short season and 15 events of a long one', () => {
    assert.equal(smoothHalfWidth(4), 0);
    assert.equal(smoothHalfWidth(12), 0);
    assert.equal(smoothHalfWidth(16), 2);
    assert.equal(smoothHalfWidth(24), 3);
    assert.equal(smoothHalfWidth(120), 7);
    assert.equal(smoothHalfWidth(1440), 7);
  });
});
