import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { steadyRate } from './drain-rate';

describe('steadyRate', () => {
  it('takes the rate between 10 % and 90 % of the backlog, from readiness on', () => {
    // 1,000 events: 100/s for the first 5 s (before readiness), 250/s after.
    const samples = [0, 1, 2, 3, 4, 5, 6, 7].map((s) => ({ t: s * 1000, n: s <= 5 ? s * 100 : 500 + (s - 5) * 250 }));
    assert.deepEqual(steadyRate(samples, 1000), { eventsPerSec: 150, window: '10-90%' });
    assert.deepEqual(steadyRate(samples, 1000, 5000), { eventsPerSec: 250, window: '10-90%' });
  });

  it('falls back to the whole drain, labelled, when the backlog is done before readiness or within one sample', () => {
    // Nothing for 2 s, then everything between two samples 100 ms apart; readiness comes later.
    const samples = [0, 1000, 2000, 2100, 2200, 5000].map((t) => ({ t, n: t <= 2000 ? 0 : 2000 }));
    assert.deepEqual(steadyRate(samples, 2000, 5000), { eventsPerSec: 20_000, window: 'whole drain' });
    assert.deepEqual(steadyRate(samples, 2000), { eventsPerSec: 20_000, window: 'whole drain' });
  });

  it('does not call a window that starts past 90 % (readiness late) or spans no time a 10–90 % rate', () => {
    const late = [0, 1000, 2000, 3000].map((t, i) => ({ t, n: [0, 500, 950, 1000][i] }));
    assert.deepEqual(steadyRate(late, 1000, 2000), { eventsPerSec: 1000 / 3, window: 'whole drain' });
    // The 10 % and the 90 % points in the same millisecond (a pass-through's concurrent batches).
    const sameMs = [{ t: 0, n: 0 }, { t: 10, n: 100 }, { t: 10, n: 1000 }];
    assert.deepEqual(steadyRate(sameMs, 1000), { eventsPerSec: 100_000, window: 'whole drain' });
  });

  it('is NaN, not a throw or an infinity, when the samples never finish or span no time', () => {
    assert.ok(Number.isNaN(steadyRate([{ t: 0, n: 0 }, { t: 100, n: 10 }], 1000).eventsPerSec));
    assert.ok(Number.isNaN(steadyRate([{ t: 0, n: 1000 }], 1000).eventsPerSec));
    assert.ok(Number.isNaN(steadyRate([], 1000).eventsPerSec));
  });
});
