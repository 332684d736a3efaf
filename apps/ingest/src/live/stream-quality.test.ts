import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QualityTracker } from './stream-quality';

const close = (actual: number | null | undefined, expected: number, eps = 1e-9): void =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) < eps, `${actual} ≉ ${expected}`);

describe('QualityTracker', () => {
  it('scores each event against the forecast made at the previous event and against the previous value', () => {
    const q = new QualityTracker({ window: 10 });
    q.event('s', 1, [10, 100]);
    q.forecast('s', 1, [11, 100]); // made at ts 1, for the event after it
    q.event('s', 2, [12, 104]);
    const r = q.quality('s')!;
    assert.equal(r.scored, 1);
    // feature 0: model |12 − 11| = 1, last-value |12 − 10| = 2; feature 1: model 4, last-value 4
    close(r.features[0].sinceStart.model, 1);
    close(r.features[0].sinceStart.naive, 2);
    close(r.features[0].sinceStart.ratio, 0.5);
    close(r.features[1].sinceStart.ratio, 1);
    // bias-corrected: after one update the recent mean is that update
    close(r.recent.model, 2.5);
    close(r.recent.naive, 3);
    close(r.sinceStart.ratio, 5 / 6);
  });

  it('pairs a forecast that arrives after the event it forecasts, and scores each event once', () => {
    const q = new QualityTracker();
    q.event('s', 1, [0]);
    q.event('s', 2, [2]);
    assert.equal(q.quality('s')!.scored, 0, 'no forecast yet');
    q.forecast('s', 1, [1]);
    q.forecast('s', 1, [1]); // redelivered
    const r = q.quality('s')!;
    assert.equal(r.scored, 1);
    close(r.sinceStart.model, 1);
    close(r.sinceStart.naive, 2);
  });

  it('skips events without a forecast, end events and non-finite forecasts', () => {
    const q = new QualityTracker();
    q.event('s', 1, [0]);
    q.event('s', 2, [1]); // no forecast at ts 1: not scored
    q.forecast('s', 2, [null as unknown as number]); // a NaN forecast arrives as null
    q.event('s', 3, [2]);
    q.event('s', 4, []); // end
    assert.equal(q.quality('s')!.scored, 0);
  });

  it('forgets with the window: the recent error follows a change, the since-start one remembers', () => {
    const q = new QualityTracker({ window: 10 });
    let ts = 0;
    const run = (n: number, miss: number): void => {
      for (let i = 0; i < n; i++) {
        const v = i % 2; // last-value is always off by 1
        q.event('s', ++ts, [v]);
        q.forecast('s', ts, [1 - v + miss]);
      }
    };
    run(200, 0); // a perfect model
    close(q.quality('s')!.recent.ratio, 0, 1e-6);
    run(200, 3); // then off by 3
    close(q.quality('s')!.recent.ratio, 3, 1e-6);
    close(q.quality('s')!.sinceStart.ratio, 1.5, 0.02);
  });

  it('summarises streams of any magnitude with the median of their own ratios', () => {
    const q = new QualityTracker({ minScored: 5 });
    const feed = (stream: string, scale: number, modelMiss: number, n = 20): void => {
      for (let i = 0; i < n; i++) {
        q.event(stream, i, [scale * (i % 2)]); // last-value off by `scale`
        q.forecast(stream, i, [scale * ((i + 1) % 2) + modelMiss * scale]);
      }
    };
    feed('tiny', 1e-3, 0.5); // ratio 0.5
    feed('mid', 1, 0.25); // ratio 0.25
    feed('huge', 1e7, 2); // ratio 2: pooled errors would say the model is 2× worse everywhere
    feed('young', 1, 9, 3); // too few scored events to count
    const o = q.overall();
    assert.equal(o.streams, 3);
    assert.equal(o.beating, 2);
    close(o.medianRatio, 0.5, 1e-6);
    close(o.p90Ratio, 2, 1e-6);
    close(o.sinceStartMedianRatio, 0.5, 1e-6);
  });

  it('counts a flat stream the model misses as worse, and null when nothing is known', () => {
    const q = new QualityTracker({ minScored: 1 });
    assert.deepEqual(q.overall(), { streams: 0, beating: 0, medianRatio: null, p90Ratio: null, sinceStartMedianRatio: null });
    for (let i = 0; i < 5; i++) {
      q.event('flat', i, [7]);
      q.forecast('flat', i, [8]);
    }
    assert.equal(q.quality('flat')!.recent.ratio, null, 'last-value is exact: no ratio');
    const o = q.overall();
    assert.equal(o.beating, 0);
    assert.equal(o.medianRatio, null);
  });

  it('pairs forecasts that trail their events by many events, keeping only what can still pair', () => {
    const q = new QualityTracker();
    for (let t = 1; t <= 50; t++) q.event('s', t, [t]);
    for (let t = 1; t <= 49; t++) q.forecast('s', t, [t + 1]); // inference 50 events behind
    assert.equal(q.quality('s')!.scored, 49);
    close(q.quality('s')!.sinceStart.model, 0);
    close(q.quality('s')!.sinceStart.naive, 1);
    // what is left: event 50 (the predecessor of the next one), nothing else
    assert.equal(q.bytes, 96 + 8);
  });

  it('keeps within its byte budget when forecasts stop coming', () => {
    const q = new QualityTracker({ maxBytes: 10_000 });
    for (let t = 1; t <= 200; t++) for (let s = 0; s < 20; s++) q.event(`s${s}`, t, [t, t]);
    assert.ok(q.bytes <= 10_000, `${q.bytes}`);
    assert.equal(q.size, 20, 'no stream loses its figures for it');
    q.forecast('s3', 200, [201, 201]);
    q.event('s3', 201, [201, 201]);
    assert.equal(q.quality('s3')!.scored, 1, 'pairs again once forecasts resume');
  });

  it('is bounded in streams, features and kept events', () => {
    const q = new QualityTracker({ maxStreams: 3, maxFeatures: 2, ring: 2 });
    for (let s = 0; s < 10; s++) q.event(`s${s}`, 1, [1, 2, 3, 4]);
    assert.equal(q.size, 3);
    assert.equal(q.quality('s0'), undefined, 'least recently active dropped');
    q.forecast('s9', 1, [1, 2, 3, 4]);
    q.event('s9', 2, [1, 2, 3, 4]);
    assert.equal(q.quality('s9')!.features.length, 2);
    // a forecast older than the ring no longer pairs
    q.event('s9', 3, [1, 2]);
    q.event('s9', 4, [1, 2]);
    q.forecast('s9', 2, [1, 2]);
    assert.equal(q.quality('s9')!.scored, 1);
  });
});
