import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { steadyRate } from './drain-rate';

describe('steadyRate', () => {
  it('takes the rate between 10 % and 90 % of the backlog, from readiness on', () => {
    // 1,000 events: 100/s for the first 5 s (before readiness), 400/s after.
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
});
