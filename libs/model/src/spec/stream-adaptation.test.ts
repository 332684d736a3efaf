import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomArray } from '../test-support';
import { seasonalLeftOut, StreamAdaptation } from './stream-adaptation';

/** A smooth season with a third harmonic and noise of std 0.05: the shape `npm start` generates. */
function season(n: number, seed = 7): number[] {
  const noise = randomArray(n, seed, 0.05 * Math.sqrt(3));
  const w = (2 * Math.PI) / 120;
  return Array.from({ length: n }, (_, k) => 5 + Math.sin(w * k + 1) + 0.3 * Math.sin(3 * w * k) + noise[k]);
}

interface Run {
  /** Adapted change after each event, in the stream's scale (0 while not served). */
  readonly served: number[];
  /** The previous value learn() handed back at each event. */
  readonly previous: number[];
}

/** Drives one stream and feature the way StreamTransform does: learn, adapt, advance. */
function drive(values: readonly number[], options: { period?: number; scale?: (k: number) => number; location?: number; halfLife?: number } = {}): Run {
  const adaptation = new StreamAdaptation(1, options.halfLife ?? 120, options.period ?? 0);
  const aux = new Float32Array(adaptation.size);
  const served: number[] = [];
  const previous: number[] = [];
  let prev = 0;
  values.forEach((x, k) => {
    prev = adaptation.learn(aux, 0, 0, x, prev);
    previous.push(prev);
    served.push(adaptation.adapt(aux, 0, 0, { current: x, previous: prev, location: options.location ?? 5, scale: options.scale?.(k) ?? 0.75, network: 0 }));
    adaptation.advance(aux, 0);
    prev = x;
  });
  return { served, previous };
}

/** Mean absolute error of current + change·scale against the next value, over [from, to). */
function error(values: readonly number[], served: readonly number[], from: number, to: number, scale = 0.75): number {
  let e = 0;
  for (let k = from; k < to; k++) e += Math.abs(values[k] + served[k] * scale - values[k + 1]);
  return e / (to - from);
}

describe('StreamAdaptation', () => {
  it('beats last-value on a smooth season within two minutes of events', () => {
    const values = season(400);
    const { served } = drive(values, { period: 120 });
    const naive = error(values, values.map(() => 0), 120, 399);
    assert.ok(error(values, served, 120, 399) < 0.85 * naive);
  });

  it('leaves the seasonal regressors out until they have been seen for 40 events', () => {
    // Until then the fit must be exactly the fit without a season: a regressor seen for one
    // event would take any weight. Seasonal-naive's change exists from event 119 and comes in at
    // 160; the smoothed change a period ago needs 8 events more for its window and comes in at 168.
    const values = season(220);
    const withSeason = drive(values, { period: 120 }).served;
    const without = drive(values).served;
    assert.deepEqual(withSeason.slice(0, 160), without.slice(0, 160));
    assert.notDeepEqual(withSeason.slice(160), without.slice(160));
  });

  it('lets the smoothed change a period ago in once its window has had 40 events', () => {
    // Period 120, ring 128 (half-width 7): seasonal-naive's change (7) from event 160, the smoothed
    // change (8) from 168.
    const out = (seen: number): number[] => seasonalLeftOut(seen, 120, 128).flatMap((o, i) => (o ? [i] : []));
    assert.deepEqual(out(159), [7, 8]);
    assert.deepEqual(out(160), [8]);
    assert.deepEqual(out(167), [8]);
    assert.deepEqual(out(168), []);
    assert.deepEqual(seasonalLeftOut(10_000, 0, 0).flatMap((o, i) => (o ? [i] : [])), [7, 8]);
  });

  it('learns a noisy sharp season from the smoothed change a period ago', () => {
    // A burst at the same phase of every period (a cron job) with noise of std 1: the change a
    // period ago, taken from single values, is noise half of the time and a burst the other; the
    // smoothed one keeps the burst's shape and drops most of the noise (0.72× last-value → 0.35×).
    const period = 24;
    const noise = randomArray(1200, 5, Math.sqrt(3));
    const values = Array.from({ length: 1200 }, (_, t) => (t % period === 0 ? 30 : t % period < 3 ? 10 : 0) + 100 + noise[t]);
    const { served } = drive(values, { period, location: 100, halfLife: 100, scale: () => 8 });
    const naive = error(values, values.map(() => 0), 240, 1199, 8);
    const ratio = error(values, served, 240, 1199, 8) / naive;
    assert.ok(ratio < 0.45, `ratio ${ratio}`);
  });

  it('does not let events seen at a small scale outweigh recent ones', () => {
    // The same stream described in a scale that grows ×10 over its first 100 events (a young
    // stream's std) must get the same weights as in a fixed scale: weights are unit-free once the
    // sums are re-expressed in each new scale.
    const values = season(300);
    const fixed = drive(values, { scale: () => 0.75 }).served;
    const growing = drive(values, { scale: (k) => 0.075 * Math.min(10, 1 + k / 11) }).served;
    for (let k = 200; k < 300; k++) {
      const a = fixed[k] * 0.75;
      const b = growing[k] * 0.75;
      assert.ok(Math.abs(a - b) < 1e-3 + 0.05 * Math.abs(a), `event ${k}: ${a} vs ${b}`);
    }
  });

  it('forgets a one-event spike once the next event takes it back', () => {
    const clean = season(300);
    const spiked = clean.slice();
    spiked[150] += 6;
    const a = drive(clean, { period: 120 });
    const b = drive(spiked, { period: 120 });
    // The event after the spike sees the value the fit would have accepted, not the spike.
    assert.ok(Math.abs(b.previous[151] - clean[150]) < 0.5, `previous ${b.previous[151]} vs ${clean[150]}`);
    // From two events after it, forecasts are nearly those of the clean stream (the moving
    // averages, the last change and the season ring were repaired).
    const gap = (k: number): number => Math.abs(a.served[k] - b.served[k]) * 0.75;
    for (let k = 152; k < 170; k++) assert.ok(gap(k) < 0.05, `event ${k}: ${gap(k)}`);
    assert.ok(error(spiked, b.served, 152, 299) < 1.05 * error(clean, a.served, 152, 299));
  });

  it("forecasts the way back after an outlier once its stream's outliers have come back", () => {
    const clean = season(300);
    const spiked = clean.map((v, k) => (k === 150 || k === 200 || k === 250 ? v + 6 : v));
    const { served } = drive(spiked, { period: 120 });
    const next = (k: number): number => spiked[k] + served[k] * 0.75;
    // The first spike is a surprise; from the second on, the forecast made at a spike is the way back.
    assert.ok(Math.abs(next(150) - clean[151]) > 3, `after the first spike ${next(150)} vs ${clean[151]}`);
    for (const k of [200, 250]) assert.ok(Math.abs(next(k) - clean[k + 1]) < 0.3, `after the spike at ${k}: ${next(k)} vs ${clean[k + 1]}`);
  });

  it('does not forecast a way back on a stream whose jumps stay', () => {
    const values = season(300).map((v, k) => v + 6 * [150, 200, 250].filter((at) => k >= at).length);
    const { served } = drive(values, { period: 120 });
    for (const k of [200, 250]) assert.ok(Math.abs(served[k] * 0.75) < 1, `after the jump at ${k}: change ${served[k] * 0.75}`);
  });

  it('keeps a level shift that stays', () => {
    const values = season(300).map((v, k) => (k >= 150 ? v + 6 : v));
    const { previous } = drive(values, { period: 120 });
    assert.equal(previous[151], values[150]);
    assert.equal(previous[152], values[151]);
  });
});
