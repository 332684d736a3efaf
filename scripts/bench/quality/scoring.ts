/**
 * Scoring of the prediction-quality benchmark (issue 9): pure functions over one record per
 * (series, event). The harness fills the records; nothing here knows about models or Kafka.
 *
 * Streams differ by many orders of magnitude, so absolute errors cannot be pooled: a stream at
 * 1e6 would decide every total. Every error is therefore made relative to its own series: it is
 * divided by that series' mean absolute last-value error over the whole run (its "naive scale",
 * MASE-style: Hyndman & Koehler 2006, "Another look at measures of forecast accuracy"). A
 * relative MAE of 1.0 means "as good as last-value on average for that stream"; over the whole
 * run the last-value total is exactly 1 by construction, and the forecast total is the mean over
 * series of each series' forecast/last-value error ratio.
 *
 * Where the workload knows its generator, each record also carries the oracle's forecast (the
 * generator's own conditional median, from libs/workload): scored the same way, it shows how far
 * below last-value any forecaster could get on that workload.
 */
import { naiveScales, Sums, totals, validate, type MaeTotals, type RelativeMeans } from './totals';

export type { MaeTotals } from './totals';

export interface QualityRecord {
  /** Index of the series in the workload. */
  readonly series: number;
  /** Stream time of the event being forecast, in seconds. */
  readonly t: number;
  /** The value that arrived. */
  readonly actual: number;
  /** The model's forecast of `actual`, made before seeing it. */
  readonly forecast: number;
  /** The previous value of the series (the last-value baseline's forecast). */
  readonly lastValue: number;
  /** The value one period earlier (seasonal-naive's forecast), null when there is none. */
  readonly seasonal: number | null;
  /** Whether the detector alerted on this event. */
  readonly alert: boolean;
  /** Whether this event carries a labelled anomaly. */
  readonly anomaly: boolean;
  /** The oracle's forecast (a lower bound, see the file comment); null or absent when there is none. */
  readonly oracle?: number | null;
}

/**
 * One bucket of maeTable: relative MAEs (see the file comment) of the forecast, last-value,
 * seasonal-naive (over the records that have one; null when none do), the forecast over those same
 * records (the fair comparison) and the oracle (null when no record has one), records pooled
 * within the bucket.
 */
export interface MaeRow extends RelativeMeans {
  /** Bucket start, in stream seconds (bucket = [fromSeconds, fromSeconds + bucketSeconds)). */
  readonly fromSeconds: number;
}

export interface MaeTable {
  readonly rows: MaeRow[];
  readonly total: MaeTotals;
  /** The same totals over records with t ≥ warmUpSeconds (the normaliser stays whole-run). */
  readonly afterWarmUp: MaeTotals & { readonly fromSeconds: number };
  /** Series left out because last-value never erred on them (a constant series has no scale). */
  readonly skippedSeries: number[];
}

/**
 * Per-bucket and total relative MAE of the forecast, last-value, seasonal-naive and the oracle.
 * @param bucketSeconds bucket width in stream seconds. Default 60.
 * @param warmUpSeconds `afterWarmUp` covers t ≥ this. Default 0 (then it equals `total`).
 */
export function maeTable(records: readonly QualityRecord[], bucketSeconds = 60, warmUpSeconds = 0): MaeTable {
  if (!(bucketSeconds > 0)) throw new RangeError(`bucketSeconds must be positive, got ${bucketSeconds}`);
  validate(records);
  const scale = naiveScales(records);
  const buckets = new Map<number, Sums>();
  for (const r of records) {
    const s = scale.get(r.series);
    if (s === undefined) continue;
    const b = Math.floor(r.t / bucketSeconds);
    let sums = buckets.get(b);
    if (sums === undefined) buckets.set(b, (sums = new Sums()));
    sums.add(r, s);
  }
  const rows = [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, sums]): MaeRow => ({ fromSeconds: b * bucketSeconds, ...sums.means() }));
  return {
    rows,
    total: totals(records, scale, Number.NEGATIVE_INFINITY),
    afterWarmUp: { fromSeconds: warmUpSeconds, ...totals(records, scale, warmUpSeconds) },
    skippedSeries: [...new Set(records.map((r) => r.series))].filter((s) => !scale.has(s)).sort((a, b) => a - b),
  };
}

export interface SeriesRatio {
  readonly series: number;
  /** Series forecast MAE / series last-value MAE. */
  readonly ratio: number;
  /** Forecast MAE / seasonal-naive MAE over the records with a seasonal baseline, else null. */
  readonly seasonalRatio: number | null;
}

export interface RatioSummary {
  readonly median: number;
  readonly p90: number;
  readonly seasonalMedian: number | null;
  readonly seasonalP90: number | null;
  readonly perSeries: SeriesRatio[];
}

/**
 * Median and 90th percentile over series of (series MAE / series last-value MAE), over records
 * with t ≥ fromSeconds (default 0: all). The tail matters as much as the median: a model can
 * win on most streams and be useless on a few. Series where last-value never erred are left out.
 * Percentiles interpolate linearly between order statistics (R's type 7, numpy's default).
 */
export function seriesRatios(records: readonly QualityRecord[], fromSeconds = 0): RatioSummary {
  validate(records);
  const sums = new Map<number, { f: number; lv: number; fs: number; s: number; ns: number }>();
  for (const r of records) {
    if (r.t < fromSeconds) continue;
    let x = sums.get(r.series);
    if (x === undefined) sums.set(r.series, (x = { f: 0, lv: 0, fs: 0, s: 0, ns: 0 }));
    const e = Math.abs(r.forecast - r.actual);
    x.f += e;
    x.lv += Math.abs(r.lastValue - r.actual);
    if (r.seasonal !== null) {
      x.fs += e;
      x.s += Math.abs(r.seasonal - r.actual);
      x.ns++;
    }
  }
  const perSeries: SeriesRatio[] = [...sums.entries()]
    .filter(([, x]) => x.lv > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([series, x]) => ({ series, ratio: x.f / x.lv, seasonalRatio: x.ns > 0 && x.s > 0 ? x.fs / x.s : null }));
  const ratios = perSeries.map((p) => p.ratio);
  const seasonal = perSeries.flatMap((p) => (p.seasonalRatio === null ? [] : [p.seasonalRatio]));
  return {
    median: quantile(ratios, 0.5),
    p90: quantile(ratios, 0.9),
    seasonalMedian: seasonal.length > 0 ? quantile(seasonal, 0.5) : null,
    seasonalP90: seasonal.length > 0 ? quantile(seasonal, 0.9) : null,
    perSeries,
  };
}

/**
 * Seconds of stream time from the shift until forecasts are back at or below last-value.
 *
 * Precisely: errors are relative, as in maeTable (whole-run per-series naive scale). The
 * candidate window starts are the distinct record times s ≥ shiftAtSeconds, in order; the window
 * at s holds every record with s ≤ t < s + windowSeconds, over all series. The answer is s −
 * shiftAtSeconds for the first s whose window has mean relative forecast error ≤ mean relative
 * last-value error. So 0 means the first full window after the shift was already no worse than
 * last-value, and 30 means the first such window starts 30 s after the shift (i.e. the rolling
 * MAE over the trailing `windowSeconds` got back at or below last-value's at 30 + windowSeconds).
 * Only complete windows count: s + windowSeconds must not pass the last record time plus one
 * step, so a lucky handful of events at the end of the run cannot signal recovery.
 * Returns null when no window qualifies (never recovered, or no records after the shift).
 * @param windowSeconds window width in stream seconds. Default 60.
 */
export function recoverySeconds(records: readonly QualityRecord[], shiftAtSeconds: number, windowSeconds = 60): number | null {
  if (!(windowSeconds > 0)) throw new RangeError(`windowSeconds must be positive, got ${windowSeconds}`);
  if (!Number.isFinite(shiftAtSeconds)) return null;
  validate(records);
  const scale = naiveScales(records);
  const after = records.filter((r) => r.t >= shiftAtSeconds && scale.has(r.series)).sort((a, b) => a.t - b.t);
  if (after.length === 0) return null;
  // Prefix sums of relative errors over the time-sorted records: each window is a difference.
  const f = new Float64Array(after.length + 1);
  const lv = new Float64Array(after.length + 1);
  after.forEach((r, i) => {
    const s = scale.get(r.series) ?? 1;
    f[i + 1] = f[i] + Math.abs(r.forecast - r.actual) / s;
    lv[i + 1] = lv[i] + Math.abs(r.lastValue - r.actual) / s;
  });
  const tMax = after[after.length - 1].t;
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < after.length; i++) if (after[i].t > after[i - 1].t) step = Math.min(step, after[i].t - after[i - 1].t);
  if (!Number.isFinite(step)) step = 0;
  let end = 0;
  for (let start = 0; start < after.length; start++) {
    if (start > 0 && after[start].t === after[start - 1].t) continue;
    const s = after[start].t;
    if (s + windowSeconds > tMax + step) return null;
    while (end < after.length && after[end].t < s + windowSeconds) end++;
    if (f[end] - f[start] <= lv[end] - lv[start]) return s - shiftAtSeconds;
  }
  return null;
}

export interface AlertScores {
  /** truePositives / (truePositives + falsePositives); null when there were no alerts. */
  readonly precision: number | null;
  /** Detected anomalies / labelled anomalies; null when nothing is labelled. */
  readonly recall: number | null;
  readonly anomalies: number;
  readonly alerts: number;
  /** Labelled anomalies detected (the first alert in each anomaly's tolerance window). */
  readonly truePositives: number;
  /** Alerts in no anomaly's tolerance window. */
  readonly falsePositives: number;
  /** Further alerts inside an already detected anomaly's window: neither true nor false. */
  readonly duplicateAlerts: number;
  /** Alerts with shiftAtSeconds ≤ t < shiftAtSeconds + stormWindowSeconds; null without a shift. */
  readonly alertsAfterShift: number | null;
  /** The false positives among those (an alert storm shows here). */
  readonly falseAlertsAfterShift: number | null;
}

export interface AlertScoreOptions {
  /** Stream time of the regime shift; omit (or +Infinity) when there is none. */
  readonly shiftAtSeconds?: number;
  /** Width of the post-shift storm window in stream seconds. Default 60. */
  readonly stormWindowSeconds?: number;
}

/**
 * Precision and recall of alerts against labelled anomalies.
 *
 * Events are counted per series in time order (the record's position among that series'
 * records). An anomaly at event j is detected by an alert at event i when j ≤ i ≤ j +
 * toleranceEvents: alerts are causal, so an alert before the anomaly arrived cannot be about it,
 * and a tolerance > 0 forgives a detector that fires a few events late. With the default 0 only
 * an alert on the anomalous event itself counts. An alert is matched to the latest anomaly at or
 * before it within the tolerance; the first alert matched to an anomaly is its true positive,
 * later ones are duplicates (not penalised, not rewarded), and an alert matched to none is a
 * false positive.
 */
export function alertScores(records: readonly QualityRecord[], toleranceEvents = 0, options: AlertScoreOptions = {}): AlertScores {
  if (!Number.isInteger(toleranceEvents) || toleranceEvents < 0) {
    throw new RangeError(`toleranceEvents must be a non-negative integer, got ${toleranceEvents}`);
  }
  const shift = options.shiftAtSeconds ?? Number.POSITIVE_INFINITY;
  const storm = options.stormWindowSeconds ?? 60;
  const bySeries = new Map<number, QualityRecord[]>();
  for (const r of records) {
    const list = bySeries.get(r.series);
    if (list === undefined) bySeries.set(r.series, [r]);
    else list.push(r);
  }
  let anomalies = 0;
  let alerts = 0;
  let tp = 0;
  let fp = 0;
  let dup = 0;
  let afterShift = 0;
  let falseAfterShift = 0;
  for (const list of bySeries.values()) {
    const events = [...list].sort((a, b) => a.t - b.t);
    let lastAnomaly = -1;
    let lastAnomalyDetected = false;
    events.forEach((r, i) => {
      if (r.anomaly) {
        anomalies++;
        lastAnomaly = i;
        lastAnomalyDetected = false;
      }
      if (!r.alert) return;
      alerts++;
      const inStorm = r.t >= shift && r.t < shift + storm;
      if (inStorm) afterShift++;
      if (lastAnomaly >= 0 && i - lastAnomaly <= toleranceEvents) {
        if (lastAnomalyDetected) dup++;
        else tp++;
        lastAnomalyDetected = true;
      } else {
        fp++;
        if (inStorm) falseAfterShift++;
      }
    });
  }
  const hasShift = Number.isFinite(shift);
  return {
    precision: tp + fp > 0 ? tp / (tp + fp) : null,
    recall: anomalies > 0 ? tp / anomalies : null,
    anomalies,
    alerts,
    truePositives: tp,
    falsePositives: fp,
    duplicateAlerts: dup,
    alertsAfterShift: hasShift ? afterShift : null,
    falseAlertsAfterShift: hasShift ? falseAfterShift : null,
  };
}

/** Linear interpolation between order statistics (R type 7); NaN for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}
