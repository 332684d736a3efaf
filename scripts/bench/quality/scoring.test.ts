import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertScores, maeTable, quantile, recoverySeconds, seriesRatios, type QualityRecord } from './scoring';

/**
 * A series whose last-value error is always `unit` and whose forecast error is `ratio(t)` × unit,
 * one event per second from t = 1 to n. Seasonal-naive errs by `seasonalRatio` × unit when given.
 */
function series(index: number, n: number, unit: number, ratio: (t: number) => number, seasonalRatio?: number): QualityRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const t = i + 1;
    const actual = 1_000 * unit + t * unit;
    return {
      series: index,
      t,
      actual,
      forecast: actual + ratio(t) * unit,
      lastValue: actual - unit,
      seasonal: seasonalRatio === undefined ? null : actual - seasonalRatio * unit,
      alert: false,
      anomaly: false,
    };
  });
}

const close = (a: number | null, b: number, what: string): void => {
  assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${what}: ${String(a)} vs ${b}`);
};

describe('maeTable', () => {
  it('makes each series relative to its own last-value error, so magnitude does not matter', () => {
    // Series 0 (units of 1e-2) forecasts at half the naive error, series 1 (units of 1e6) at twice.
    const records = [...series(0, 120, 1e-2, () => 0.5), ...series(1, 120, 1e6, () => 2)];
    const table = maeTable(records, 60);
    close(table.total.naiveMae, 1, 'naive total');
    close(table.total.mae, 1.25, 'mean over series of the ratios');
    close(table.total.ratio, 1.25, 'ratio');
    assert.equal(table.total.seasonalMae, null);
    assert.deepEqual(
      table.rows.map((r) => [r.fromSeconds, r.count]),
      [[0, 118], [60, 120], [120, 2]],
    );
    close(table.rows[1].mae, 1.25, 'bucket pooled');
    // Scaling a whole series changes nothing.
    const scaled = records.map((r) => (r.series === 1 ? { ...r, actual: r.actual * 1e-8, forecast: r.forecast * 1e-8, lastValue: r.lastValue * 1e-8 } : r));
    close(maeTable(scaled, 60).total.mae, 1.25, 'scale invariance');
  });

  it('reports a post-warm-up total and seasonal-naive on the records that have one', () => {
    const records = [...series(0, 100, 1, (t) => (t < 50 ? 3 : 0.5), 2), ...series(1, 100, 1, () => 1)];
    const table = maeTable(records, 60, 50);
    close(table.afterWarmUp.mae, (0.5 + 1) / 2, 'after warm-up');
    assert.equal(table.afterWarmUp.fromSeconds, 50);
    close(table.total.seasonalMae, 2, 'seasonal over series 0 only');
    close(table.total.maeWhereSeasonal, (49 * 3 + 51 * 0.5) / 100, 'forecast on the same records');
    close(table.afterWarmUp.seasonalRatio, 0.25, 'seasonal ratio after warm-up');
  });

  it('scores the oracle like the forecast, over the series that have one, and null where none does', () => {
    // Series 0 (1e-3) has an oracle at 0.25× its naive error, then 0.75× from t = 50; series 1
    // (1e4) at 0.5×; series 2 has none and must not pull the mean.
    const withOracle = (records: QualityRecord[], ratio: (t: number) => number): QualityRecord[] =>
      records.map((r) => ({ ...r, oracle: r.actual + ratio(r.t) * (r.actual - r.lastValue) }));
    const records = [
      ...withOracle(series(0, 100, 1e-3, () => 1), (t) => (t < 50 ? 0.25 : 0.75)),
      ...withOracle(series(1, 100, 1e4, () => 1), () => 0.5),
      ...series(2, 100, 1, () => 1).map((r) => ({ ...r, oracle: null })),
    ];
    const table = maeTable(records, 60, 50);
    close(table.total.oracleMae, ((49 * 0.25 + 51 * 0.75) / 100 + 0.5) / 2, 'mean over the two series with an oracle');
    close(table.afterWarmUp.oracleMae, (0.75 + 0.5) / 2, 'after warm-up, same whole-run normaliser');
    close(table.rows[0].oracleMae, (49 * 0.25 + 10 * 0.75 + 59 * 0.5) / 118, 'bucket pooled over its oracle records');
    assert.equal(table.total.series, 3);
    const none = maeTable(series(0, 100, 1, () => 1), 60, 50);
    assert.equal(none.total.oracleMae, null);
    assert.equal(none.afterWarmUp.oracleMae, null);
    assert.equal(none.rows[0].oracleMae, null);
    assert.throws(() => maeTable([{ ...records[0], oracle: Number.POSITIVE_INFINITY }]), /non-finite value in record .*"oracle":"Infinity"/);
  });

  it('leaves out a constant series and refuses non-finite forecasts', () => {
    const constant: QualityRecord = { series: 7, t: 1, actual: 5, forecast: 5, lastValue: 5, seasonal: null, alert: false, anomaly: false };
    const table = maeTable([...series(0, 10, 1, () => 1), constant]);
    assert.deepEqual(table.skippedSeries, [7]);
    assert.equal(table.total.series, 1);
    assert.throws(() => maeTable([{ ...constant, forecast: Number.NaN }]), /non-finite value in record .*"forecast":"NaN"/);
    assert.throws(() => maeTable([], 0), /bucketSeconds must be positive/);
  });
});

describe('seriesRatios', () => {
  it('gives the median and 90th percentile over series of forecast MAE / last-value MAE', () => {
    const ratios = [0.5, 0.8, 1, 1.2, 4];
    const records = ratios.flatMap((r, i) => series(i, 20, 10 ** i, () => r, i === 0 ? 0.25 : undefined));
    const summary = seriesRatios(records);
    close(summary.median, 1, 'median');
    close(summary.p90, 1.2 + 0.6 * (4 - 1.2), 'p90 (type 7)');
    close(summary.seasonalMedian, 2, 'seasonal ratio of series 0');
    assert.equal(summary.perSeries[3].seasonalRatio, null);
    close(seriesRatios(records, 15).median, 1, 'from a second on');
  });

  it('quantile interpolates linearly between order statistics', () => {
    close(quantile([4, 1, 3, 2], 0.9), 3.7, 'q0.9');
    close(quantile([7], 0.5), 7, 'single');
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
});

describe('recoverySeconds', () => {
  it('is the start of the first full window after the shift where forecasts are no worse than last-value', () => {
    // Shift at t = 100; 2× naive error for 30 s, then 0.5×. A 10 s window starting at s holds
    // b = 130 − s bad events: 2b + 0.5(10 − b) ≤ 10 first holds at b = 3, i.e. s = 127.
    const records = [...series(0, 300, 1, (t) => (t >= 100 && t < 130 ? 2 : 0.5)), ...series(1, 300, 1e5, (t) => (t >= 100 && t < 130 ? 2 : 0.5))];
    assert.equal(recoverySeconds(records, 100, 10), 27);
    // Never worse than last-value: recovered at once.
    assert.equal(recoverySeconds(series(0, 300, 1, () => 0.9), 100, 60), 0);
  });

  it('is null when it never recovers, when only a partial window is good, or without a shift', () => {
    assert.equal(recoverySeconds(series(0, 300, 1, () => 1.5), 100), null);
    // Perfect in the last 30 s only: the last complete 60 s window (241–300) still has 30 events
    // at 3× naive. A partial window at the end would have passed.
    assert.equal(recoverySeconds(series(0, 300, 1, (t) => (t > 270 ? 0 : 3)), 100, 60), null);
    assert.equal(recoverySeconds(series(0, 300, 1, () => 0.5), Number.POSITIVE_INFINITY), null);
    assert.equal(recoverySeconds(series(0, 50, 1, () => 0.5), 100), null);
  });
});

describe('alertScores', () => {
  /** One series, events t = 0..n−1, with anomalies and alerts at the given events. */
  function events(n: number, anomalies: number[], alerts: number[], index = 0): QualityRecord[] {
    return Array.from({ length: n }, (_, t) => ({
      series: index,
      t,
      actual: 0,
      forecast: 0,
      lastValue: 0,
      seasonal: null,
      alert: alerts.includes(t),
      anomaly: anomalies.includes(t),
    }));
  }

  it('counts an alert on the anomalous event as a true positive, and nothing else at tolerance 0', () => {
    const scores = alertScores(events(100, [10, 40, 70], [10, 41, 90]));
    assert.equal(scores.truePositives, 1);
    assert.equal(scores.falsePositives, 2);
    close(scores.precision, 1 / 3, 'precision');
    close(scores.recall, 1 / 3, 'recall');
    assert.equal(scores.alertsAfterShift, null);
  });

  it('with a tolerance accepts late alerts, never early ones, and does not count duplicates', () => {
    const scores = alertScores(events(100, [10, 40, 70], [9, 11, 12, 41, 74]), 2);
    // 9 is early (false), 11 detects 10, 12 is a duplicate, 41 detects 40, 74 is too late (false).
    assert.equal(scores.truePositives, 2);
    assert.equal(scores.duplicateAlerts, 1);
    assert.equal(scores.falsePositives, 2);
    close(scores.precision, 0.5, 'precision');
    close(scores.recall, 2 / 3, 'recall');
    assert.throws(() => alertScores([], -1), /non-negative integer/);
  });

  it('matches events per series, and counts alerts in the storm window after the shift', () => {
    const records = [...events(200, [50], [50, 101, 102, 170]), ...events(200, [], [100, 159, 160], 1)];
    const scores = alertScores(records, 0, { shiftAtSeconds: 100 });
    assert.equal(scores.anomalies, 1);
    assert.equal(scores.alertsAfterShift, 4, '101, 102 and 100, 159: the window is [100, 160)');
    assert.equal(scores.falseAlertsAfterShift, 4);
    assert.equal(alertScores(records, 0, { shiftAtSeconds: 100, stormWindowSeconds: 5 }).alertsAfterShift, 3);
  });

  it('returns null precision without alerts and null recall without labels', () => {
    const scores = alertScores(events(10, [], []));
    assert.equal(scores.precision, null);
    assert.equal(scores.recall, null);
  });
});
