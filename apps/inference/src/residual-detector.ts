/** Settings of the residual alert rule. */
export interface AlertRule {
  /** An event is an outlier candidate when its residual is this many (robust) std above the stream's mean. */
  readonly zThreshold: number;
  /** Residuals a stream must have seen before it can alert (also what a model swap re-warms to). */
  readonly warmup: number;
  /** Events after an alert during which the stream does not alert again. */
  readonly cooldown: number;
  /** Events after which an old residual weighs half in the stream's statistics. */
  readonly halfLife: number;
}

/** Residuals above mean + CLIP × std enter the statistics as that value: anomalies must not teach the detector that anomalies are normal. */
const CLIP = 3;
/**
 * An outlier candidate is confirmed by the next event when that event is back near what was
 * expected (within this share of the candidate's residual) and far from the candidate itself. A
 * level shift or a regime change stays where it jumped to, so it is not an outlier; a spike comes
 * back.
 */
const CONFIRM = 0.5;

/** The residual std never counts as smaller than this share of the values' magnitude. */
const STD_FLOOR = 1e-6;

/** An outlier candidate, waiting for the next event of its stream to confirm it. */
export interface PendingAlert {
  readonly ts: number;
  readonly residual: number;
  readonly score: number;
  readonly threshold: number;
  /** The forecast the candidate was judged against, and its actual values (forecast features). */
  readonly expected: Float32Array;
  readonly actual: Float32Array;
  readonly modelVersion: number;
}

/** Per-stream alert state; the changelog record carries all of it. */
export interface ResidualState {
  /** The served forecast of this stream's next values, or null before its first step. */
  forecast: Float32Array | null;
  /** Version of the model that made `forecast`. */
  forecastVersion: number;
  /** The last actual values of the forecast features (for last-value errors and confirmation). */
  last: Float32Array | null;
  count: number;
  /** Exponentially weighted mean and variance of the residual. */
  mean: number;
  variance: number;
  /** Exponentially weighted mean absolute last-value error (the stream's scale for error metrics). */
  naiveScale: number;
  cooldownLeft: number;
  /** Model version the statistics describe; a swap re-warms them. */
  statsVersion: number;
  pending: PendingAlert | null;
  /** The previous event was a confirmed outlier: the forecast made after it is not to be judged. */
  afterOutlier: boolean;
}

export const newResidualState = (): ResidualState => ({
  forecast: null,
  forecastVersion: 0,
  last: null,
  count: 0,
  mean: 0,
  variance: 0,
  naiveScale: 0,
  cooldownLeft: 0,
  statsVersion: 0,
  pending: null,
  afterOutlier: false,
});

export interface Verdict {
  /** RMS over the forecast features of forecast − actual. */
  readonly residual: number;
  /** z-score of the residual against the stream's statistics, NaN while they are undefined. */
  readonly score: number;
  /** The previous event, confirmed as an outlier by this one: alert on it. */
  readonly alert: PendingAlert | null;
  /** RMS over features of forecast − actual and of last − actual, relative to the stream's scale (NaN before it has one). */
  readonly relativeError: number;
  readonly relativeNaiveError: number;
}

const rmsOf = (a: ArrayLike<number>): number => {
  let sq = 0;
  for (let j = 0; j < a.length; j++) sq += a[j] * a[j];
  return Math.sqrt(sq / Math.max(1, a.length));
};

const rms = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let sq = 0;
  for (let j = 0; j < a.length; j++) sq += (a[j] - b[j]) * (a[j] - b[j]);
  return Math.sqrt(sq / Math.max(1, a.length));
};

/** The residual above which the stream's next event becomes an outlier candidate; NaN while warming up. */
export function alertThreshold(state: ResidualState, rule: AlertRule): number {
  if (state.count < rule.warmup) return Number.NaN;
  return state.mean + rule.zThreshold * Math.sqrt(state.variance);
}

/**
 * Scores an arriving event (its forecast features `actual`) against the forecast made at the
 * previous event. Statistics forget (exponential weights, half-life `rule.halfLife`) and are robust
 * (clipped updates), so neither an untrained model's early errors nor the anomalies themselves
 * stay in them. An unusual residual makes the event a candidate; the stream's next event confirms
 * it (a spike comes back) or drops it (the level moved: a shift, not an outlier), so alerts are
 * one event late and do not storm after a regime shift. Mutates `state`; undefined before the
 * stream's first forecast.
 */
export function scoreEvent(state: ResidualState, actual: Float32Array, ts: number, rule: AlertRule): Verdict | undefined {
  const f = state.forecast;
  const last = state.last;
  state.last = actual;
  if (f === null) return undefined;
  let alert: PendingAlert | null = null;
  const p = state.pending;
  if (p !== null) {
    state.pending = null;
    if (rms(actual, p.expected) < CONFIRM * p.residual && rms(actual, p.actual) > CONFIRM * p.residual) {
      // An outlier: it never enters the statistics.
      alert = p;
      state.afterOutlier = true;
      state.cooldownLeft = rule.cooldown;
    } else {
      // Not an outlier but a change that lasts (a level shift, a new regime): its residual is
      // what errors look like now, so it enters whole, and the statistics re-learn quickly.
      state.count = Math.min(state.count, rule.warmup);
      learn(state, p.residual, rule);
    }
  }
  const residual = rms(actual, f);
  let relativeError = Number.NaN;
  let relativeNaiveError = Number.NaN;
  if (last !== null) {
    const naive = rms(actual, last);
    if (state.naiveScale > 0) {
      relativeError = residual / state.naiveScale;
      relativeNaiveError = naive / state.naiveScale;
    }
    if (!state.afterOutlier && alert === null) state.naiveScale = ewUpdate(state.naiveScale, naive, state.count, rule.halfLife);
  }
  if (state.forecastVersion !== state.statsVersion) {
    // A new model version makes other errors: let the statistics re-learn quickly.
    state.count = Math.min(state.count, rule.warmup);
    state.statsVersion = state.forecastVersion;
  }
  // Floored: on a stream that was exactly constant every residual is 0, and without a floor its
  // first spike could never score (0/0) nor ever enter the statistics. The floor is relative to the
  // values, so float32 rounding of a large constant is not an anomaly: to the forecast's as well as
  // the event's, since a constant stream that drops to exactly 0 (a dead sensor) has none of its
  // own, and a floor of MIN_VALUE made its score Infinity (an alert with score null).
  const std = Math.max(Math.sqrt(state.variance), STD_FLOOR * Math.max(rmsOf(actual), rmsOf(f)), Number.MIN_VALUE);
  const score = state.count >= 2 ? (residual - state.mean) / std : Number.NaN;
  if (state.afterOutlier && alert === null) {
    // This forecast was made right after an outlier (it saw the spike): judge nothing on it.
    state.afterOutlier = false;
    return { residual, score, alert, relativeError, relativeNaiveError };
  }
  if (alert !== null) return { residual, score, alert, relativeError, relativeNaiveError };
  if (state.cooldownLeft > 0) state.cooldownLeft -= 1;
  const threshold = alertThreshold(state, rule);
  if (state.count >= rule.warmup && state.cooldownLeft === 0 && score > rule.zThreshold) {
    // A candidate enters the statistics only once the next event says it was no outlier.
    state.pending = { ts, residual, score, threshold, expected: f, actual, modelVersion: state.forecastVersion };
  } else {
    learn(state, state.count >= rule.warmup ? Math.min(residual, state.mean + CLIP * std) : residual, rule);
  }
  return { residual, score, alert, relativeError, relativeNaiveError };
}

function learn(state: ResidualState, residual: number, rule: AlertRule): void {
  state.count += 1;
  const alpha = weightOf(state.count, rule.halfLife);
  const delta = residual - state.mean;
  state.mean += alpha * delta;
  state.variance = (1 - alpha) * (state.variance + alpha * delta * delta);
}

/** Weight of the newest value: the plain mean while young, exponential forgetting afterwards. */
const weightOf = (count: number, halfLife: number): number => Math.max(1 / Math.max(1, count), 1 - Math.pow(2, -1 / halfLife));

const ewUpdate = (mean: number, value: number, count: number, halfLife: number): number => mean + weightOf(count + 1, halfLife) * (value - mean);
