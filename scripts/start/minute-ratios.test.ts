import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { minuteSums, summarise, type ServedEvent } from './minute-ratios';

/** A stream of one feature, one event per `stepMs`, with the forecast served after each event. */
function stream(values: number[], forecasts: (number | undefined)[], stepMs = 30_000, anomalies: number[] = []): ServedEvent[] {
  return values.map((v, k) => ({ ts: k * stepMs, values: [v], anomaly: anomalies.includes(k), forecast: forecasts[k] === undefined ? undefined : [forecasts[k]] }));
}

describe('minuteSums', () => {
  it('scores the forecast made at each event against the next, per minute, in the stream scale', () => {
    // Changes of 2 (scale 2); the forecasts miss by 1, last-value by 2: ratio 0.5 in each minute.
    const s = stream([0, 2, 4, 6, 8], [1, 3, 5, 7, undefined]);
    const minutes = minuteSums([s], 0);
    assert.deepEqual([...minutes.keys()], [0, 1, 2]);
    assert.deepEqual(minutes.get(0), { model: 0.5, naive: 1 });
    assert.deepEqual(minutes.get(1), { model: 1, naive: 2 });
    assert.equal(summarise(minutes).ratio, 0.5);
    assert.equal(summarise(minutes).worstMinuteRatio, 0.5);
  });

  it('divides each stream by its own scale, so a large stream does not decide the total', () => {
    const small = stream([0, 1, 2], [1, 2, undefined]); // perfect
    const large = stream([0, 1e6, 2e6], [0, 1e6, undefined]); // last-value
    assert.equal(summarise(minuteSums([small, large], 0)).ratio, 0.5);
  });

  it('leaves out an anomaly, the event after it, events without a forecast and constant streams', () => {
    const s = stream([0, 1, 50, 3, 4, 5], [1, 2, 3, 4, undefined, 6], 10_000, [2]);
    const flat = stream([7, 7, 7], [8, 8, 8], 10_000);
    const minutes = minuteSums([s, flat], 0);
    // Scored: 0→1 and 3→4. Not: 1→50 (the anomaly), 50→3 (after it), 4→5 (no forecast at 4).
    const row = minutes.get(0)!;
    const scale = (1 + 49 + 47 + 1 + 1) / 5;
    assert.equal(row.naive, (1 + 1) / scale); // 0→1 and 3→4
    assert.equal(row.model, (0 + 0) / scale);
  });
});
