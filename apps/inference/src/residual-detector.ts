/** Settings of the residual z-score alert rule. */
export interface AlertRule {
  /** Alert when the residual is this many standard deviations above the stream's mean. */
  readonly zThreshold: number;
  /** Residuals a stream must have before it can alert. */
  readonly warmup: number;
  /** Events after an alert during which the stream does not alert again. */
  readonly cooldown: number;
}

/** Per-stream alert state: the last forecast and running residual statistics (Welford). */
export interface ResidualState {
  /** The forecast of this stream's next values, or null before its first step. */
  forecast: Float32Array | null;
  count: number;
  mean: number;
  m2: number;
  cooldownLeft: number;
}

export const newResidualState = (): ResidualState => ({ forecast: null, count: 0, mean: 0, m2: 0, cooldownLeft: 0 });

export interface Verdict {
  readonly residual: number;
  /** z-score of the residual against the stream's history, NaN when not yet defined. */
  readonly score: number;
  readonly alert: boolean;
}

/**
 * Scores an arriving event against the forecast made at the previous event: the residual is the
 * root-mean-square difference between forecast and actual over the forecast features. The z-score
 * uses the statistics *before* this residual is added, so a spike does not dilute itself.
 * Mutates `state` (statistics, cooldown); returns undefined when there was no forecast yet.
 */
export function scoreEvent(state: ResidualState, actual: ArrayLike<number>, features: readonly number[] | undefined, rule: AlertRule): Verdict | undefined {
  const f = state.forecast;
  if (f === null) return undefined;
  let sq = 0;
  for (let j = 0; j < f.length; j++) {
    const d = actual[features === undefined ? j : features[j]] - f[j];
    sq += d * d;
  }
  const residual = Math.sqrt(sq / f.length);
  const std = state.count > 1 ? Math.sqrt(state.m2 / (state.count - 1)) : 0;
  const score = std > 0 ? (residual - state.mean) / std : NaN;
  const alert = state.count >= rule.warmup && state.cooldownLeft === 0 && score > rule.zThreshold;
  if (state.cooldownLeft > 0) state.cooldownLeft -= 1;
  if (alert) state.cooldownLeft = rule.cooldown;
  state.count += 1;
  const delta = residual - state.mean;
  state.mean += delta / state.count;
  state.m2 += delta * (residual - state.mean);
  return { residual, score, alert };
}
