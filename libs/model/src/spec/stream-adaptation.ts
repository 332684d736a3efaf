/**
 * Per-stream adaptation of a change-forecasting head (spec.adaptation): for each stream and
 * forecast feature, the served change is a linear combination of regressors φ, with weights fitted
 * online by exponentially weighted ridge least squares, shrunk towards 0 (= last-value):
 *
 *   φ = [network's change, the last two changes, deviation from the stream's location,
 *        deviations from three fast moving averages (x − EMA, α = 0.3, 0.1, 0.03),
 *        seasonal-naive's change (x[t+1−P] − x[t]), the change one period ago (smoothed), 1 (drift)]
 *
 * all in the stream's scale (the seasonal ones are 0 without spec.seasonality). The moving-average
 * deviations are smoothed momentum at three horizons: on a noisy season or trend each single
 * change is mostly noise, and more raw lags cost a regressor per event of history where one
 * average covers tens of events (3 lags → 2 lags + 3 averages: 0.901 → 0.869× last-value on the
 * bench:quality workload, real series 0.852 → 0.847). The shared network
 * brings what it learnt across streams; the per-stream weights bring each stream's own dynamics
 * within tens of events, and say how much the network helps this stream. Everything lives in the
 * stream's auxiliary state (float32), so it is restored and written to the changelog with the
 * recurrent state.
 */

import { RIDGE, RIDGE_FLOOR, LIMIT, GATE_HALF_LIFE, GATE_MARGIN, MIN_EVENTS, HUBER, STALE_HALF_LIFE, OUTLIER, SPIKE_RETURN, OUTLIER_DECAY, SPIKE_FROM } from './adaptation-tuning';
import { solveRidge } from './ridge';
import { savitzkyGolay, smoothHalfWidth } from './season-smoother';

/** Largest float32: sums are clamped to it so a stored state stays finite. */
const F32_MAX = 3.4028234663852886e38;
const K = 10;
const TRI = (K * (K + 1)) / 2;
/** Smoothing factors of the moving averages whose deviations are regressors 4..6. */
const EMA_ALPHAS = [0.3, 0.1, 0.03] as const;
/** Per forecast feature: Σφφᵀ (upper triangle), Σφτ, the last φ, nine scalars, then the moving averages (raw units). */
const SUM_XY = TRI;
const LAST_PHI = TRI + K;
const SCALE_AT = TRI + 2 * K;
const CHANGE_AT = SCALE_AT + 1;
const ERR_AT = SCALE_AT + 2;
const NAIVE_ERR_AT = SCALE_AT + 3;
/** How far (raw units) the last event was from what was served when it was an outlier, else 0. */
const SPIKE_AT = SCALE_AT + 4;
/** Exponentially weighted counts of the stream's outliers that came back next event, and of all its outliers. */
const REVERTED_AT = SCALE_AT + 5;
const OUTLIERS_AT = SCALE_AT + 6;
/** Running absolute errors of the adapted change and of no change, over events that moved (see learn). */
const MOVING_ERR_AT = SCALE_AT + 7;
const MOVING_NAIVE_ERR_AT = SCALE_AT + 8;
const EMA_AT = SCALE_AT + 9;
const PER_OUTPUT = EMA_AT + EMA_ALPHAS.length;
/** The seasonal regressors (x[t+1−P] − x[t], the change a period ago) while they are too new to weigh. */
const SEASONAL_LEFT_OUT = [false, false, false, false, false, false, false, true, true, false] as const;
const SMOOTHED_LEFT_OUT = SEASONAL_LEFT_OUT.map((_, i) => i === 8);
const NONE_LEFT_OUT = SEASONAL_LEFT_OUT.map(() => false);
const bound = (v: number): number => (v > LIMIT ? LIMIT : v < -LIMIT ? -LIMIT : v);
const clamp = (v: number): number => (v > F32_MAX ? F32_MAX : v < -F32_MAX ? -F32_MAX : v);

/** What adapt() needs about one stream and feature at this event. */
export interface AdaptInput {
  /** The feature's value now, and at the previous event (ignored on the stream's first event). */
  readonly current: number;
  readonly previous: number;
  readonly location: number;
  readonly scale: number;
  /** The network's proposed change, in the stream's scale. */
  readonly network: number;
}

export class StreamAdaptation {
  /** Floats of state per stream. */
  readonly size: number;
  private readonly decay: number;
  private readonly staleDecay: number;
  private readonly gateDecay: number;
  private readonly ringAt: number;
  /** Values kept per feature: x[t] back to x[t−P−m], the far end of the smoother's window around x[t−P]. */
  private readonly ringLength: number;
  private readonly smoother: Float64Array;
  private readonly phi = new Float64Array(K);
  private readonly weights = new Float64Array(K);
  private readonly system = new Float64Array(K * K + K);

  /**
   * @param outputs forecast features per stream
   * @param halfLife events after which an old observation weighs half
   * @param period seasonal period in events (0 = none); keeps the last period + m + 1 values per
   *   feature (m = smoothHalfWidth(period), season-smoother.ts)
   */
  constructor(
    outputs: number,
    halfLife: number,
    private readonly period: number,
  ) {
    this.decay = Math.pow(2, -1 / halfLife);
    this.staleDecay = Math.pow(2, -1 / Math.min(halfLife, STALE_HALF_LIFE));
    this.gateDecay = Math.pow(2, -1 / Math.min(halfLife, GATE_HALF_LIFE));
    // [events seen, ring position] + per output block + ring of the last values per output
    const halfWidth = period > 0 ? smoothHalfWidth(period) : 0;
    this.smoother = savitzkyGolay(halfWidth);
    this.ringAt = 2 + PER_OUTPUT * outputs;
    this.ringLength = period > 0 ? period + halfWidth + 1 : 0;
    this.size = this.ringAt + this.ringLength * outputs;
  }

  private seen(aux: Float32Array, a: number): number {
    return aux[a];
  }

  /**
   * Before this event's step: the change that actually came since the previous event (`current`
   * − `previous` of output k), against what φ said then. One more weighted observation in the
   * stream's least squares, and in the running errors of the adapted change and of no change.
   * Returns the previous value to remember for the stream: `previous` itself, or, when it turned
   * out to be a one-event spike, the value the fit would have accepted there.
   */
  learn(aux: Float32Array, a: number, k: number, current: number, previous: number): number {
    if (!(this.seen(aux, a) > 0)) return previous;
    const at = a + 2 + k * PER_OUTPUT;
    const scale = aux[at + SCALE_AT];
    if (!(scale > 0)) return previous;
    const raw = (current - previous) / scale;
    const target = bound(raw);
    if (!Number.isFinite(target)) return previous;
    const spike = aux[at + SPIKE_AT];
    aux[at + SPIKE_AT] = 0;
    if (spike !== 0) {
      const reverted = Math.abs(current - previous + spike) < SPIKE_RETURN * Math.abs(spike);
      aux[at + OUTLIERS_AT] = OUTLIER_DECAY * aux[at + OUTLIERS_AT] + 1;
      aux[at + REVERTED_AT] = OUTLIER_DECAY * aux[at + REVERTED_AT] + (reverted ? 1 : 0);
      if (reverted) return this.forgetSpike(aux, a, at, previous, spike);
    }
    const g = this.gateDecay;
    const seen = this.seen(aux, a);
    const predicted = aux[at + CHANGE_AT];
    // Errors are measured on events that moved: in a flat stretch (a stuck sensor, a closed market)
    // every change is exactly 0, and the first move after it is no outlier. The target is clipped
    // against the error *before* this event, so an outlier cannot widen its own clip.
    const reach = HUBER * aux[at + MOVING_ERR_AT];
    const fitted = seen > MIN_EVENTS && reach > 0 ? predicted + Math.max(-reach, Math.min(reach, target - predicted)) : target;
    // An outlier is judged against what was served (the fit's change or none, as the gate chose
    // at the previous event), in the error of what was served: an unserved fit that wanders must
    // not make ordinary events look like outliers.
    const open = isOpen(seen - 1, aux[at + ERR_AT], aux[at + NAIVE_ERR_AT]);
    const served = open ? predicted : 0;
    const spread = HUBER * aux[at + (open ? MOVING_ERR_AT : MOVING_NAIVE_ERR_AT)];
    if (seen > SPIKE_FROM && spread > 0 && Math.abs(raw - served) > OUTLIER * spread) aux[at + SPIKE_AT] = clamp((raw - served) * scale);
    aux[at + ERR_AT] = clamp(g * aux[at + ERR_AT] + (1 - g) * Math.abs(target - predicted));
    aux[at + NAIVE_ERR_AT] = clamp(g * aux[at + NAIVE_ERR_AT] + (1 - g) * Math.abs(target));
    if (target !== 0) {
      aux[at + MOVING_ERR_AT] = clamp(g * aux[at + MOVING_ERR_AT] + (1 - g) * Math.abs(target - predicted));
      aux[at + MOVING_NAIVE_ERR_AT] = clamp(g * aux[at + MOVING_NAIVE_ERR_AT] + (1 - g) * Math.abs(target));
    }
    const d = aux[at + ERR_AT] > aux[at + NAIVE_ERR_AT] ? this.staleDecay : this.decay;
    let u = at;
    for (let i = 0; i < K; i++) {
      const pi = aux[at + LAST_PHI + i];
      for (let j = i; j < K; j++, u++) aux[u] = clamp(d * aux[u] + pi * aux[at + LAST_PHI + j]);
      aux[at + SUM_XY + i] = clamp(d * aux[at + SUM_XY + i] + pi * fitted);
    }
    return previous;
  }

  /**
   * The previous event was a spike of `spike` (raw units) that this event took back: it is replaced
   * by the value the fit would have accepted wherever it is remembered. This event's observation
   * pairs the spike's φ with the way back, so it teaches nothing and is not added.
   */
  private forgetSpike(aux: Float32Array, a: number, at: number, previous: number, spike: number): number {
    // The averages took α·spike when the spike came; nothing has been added since.
    for (let e = 0; e < EMA_ALPHAS.length; e++) aux[at + EMA_AT + e] -= EMA_ALPHAS[e] * spike;
    const scale = aux[at + SCALE_AT];
    aux[at + LAST_PHI + 1] = bound(aux[at + LAST_PHI + 1] - spike / scale);
    if (this.period > 0) {
      const k = (at - a - 2) / PER_OUTPUT;
      const ring = a + this.ringAt + k * this.ringLength;
      const pos = (aux[a + 1] + this.ringLength - 1) % this.ringLength;
      aux[ring + pos] -= spike;
    }
    return previous - spike;
  }

  /** The adapted change of output k (in the stream's scale); remembers φ for the next learn(). */
  adapt(aux: Float32Array, a: number, k: number, x: AdaptInput): number {
    const at = a + 2 + k * PER_OUTPUT;
    const seen = this.seen(aux, a);
    const s = x.scale;
    const phi = this.phi;
    const predicted = aux[at + CHANGE_AT];
    const lastScale = aux[at + SCALE_AT];
    if (seen > 0 && lastScale > 0 && lastScale !== s) rescale(aux, at, lastScale / s);
    phi[0] = bound(x.network);
    phi[1] = seen > 0 ? bound((x.current - x.previous) / s) : 0;
    // The previous φ's change, one event older now (and rescaled to this event's scale).
    phi[2] = seen > 1 && lastScale > 0 ? bound((aux[at + LAST_PHI + 1] * lastScale) / s) : 0;
    phi[3] = bound((x.current - x.location) / s);
    for (let e = 0; e < EMA_ALPHAS.length; e++) {
      // The averages start at the first value, so every deviation starts at 0 (no information).
      const ema = seen > 0 ? aux[at + EMA_AT + e] + EMA_ALPHAS[e] * (x.current - aux[at + EMA_AT + e]) : x.current;
      aux[at + EMA_AT + e] = ema;
      phi[4 + e] = bound((x.current - ema) / s);
    }
    phi[7] = 0;
    phi[8] = 0;
    phi[9] = 1;
    if (this.period > 0) {
      const ring = a + this.ringAt + k * this.ringLength;
      aux[ring + aux[a + 1]] = x.current;
      // x[t+1−P] − x[t] as it came, which a sharp season (a burst at the same minute every hour)
      // needs; the change a period ago smoothed, which a noisy one needs: each single change of a
      // noisy season is mostly noise. The fit weighs the two per stream. The smoothed change needs
      // the values up to a half-width past x[t−P].
      if (seen >= this.period - 1) phi[7] = bound((this.value(aux, a, ring, this.period - 1) - x.current) / s);
      if (seen >= this.ringLength - 1) phi[8] = bound((this.smoothed(aux, a, ring, this.period - 1) - this.smoothed(aux, a, ring, this.period)) / s);
    }
    const leftOut = seasonalLeftOut(seen, this.period, this.ringLength);
    solveRidge(aux, at, K, { ridge: RIDGE, floor: RIDGE_FLOOR, leftOut }, this.system, this.weights);
    let change = 0;
    for (let i = 0; i < K; i++) {
      change += this.weights[i] * phi[i];
      aux[at + LAST_PHI + i] = phi[i];
    }
    change = Number.isFinite(change) ? bound(change) : 0;
    aux[at + SCALE_AT] = s;
    aux[at + CHANGE_AT] = change;
    // Least squares minimises squared error; what a user compares is absolute error against
    // last-value. A stream where the adapted change has recently done worse than no change at
    // all is served last-value until that turns.
    const open = isOpen(seen, aux[at + ERR_AT], aux[at + NAIVE_ERR_AT]);
    // This event is an outlier, and most of this stream's outliers came back the next event: the
    // median forecast is where the stream was heading before it (the previous value and two of
    // the changes served then), not the outlier. A stream whose jumps stay keeps last-value.
    const reverts = seen >= MIN_EVENTS && aux[at + SPIKE_AT] !== 0 && aux[at + REVERTED_AT] > 0.5 * aux[at + OUTLIERS_AT];
    if (reverts) return (x.previous - x.current) / s + (open ? 2 * predicted : 0);
    return open ? change : 0;
  }

  /** After every output of the stream was adapted: one more event seen. */
  advance(aux: Float32Array, a: number): void {
    aux[a] = Math.min(aux[a] + 1, 1 << 24);
    if (this.period > 0) aux[a + 1] = (aux[a + 1] + 1) % this.ringLength;
  }

  /** The value of the event `back` events before the current one (written at the ring's position). */
  private value(aux: Float32Array, a: number, ring: number, back: number): number {
    return aux[ring + ((aux[a + 1] - back + this.ringLength) % this.ringLength)];
  }

  /** The same, smoothed over the events a half-width either side of it (season-smoother.ts). */
  private smoothed(aux: Float32Array, a: number, ring: number, back: number): number {
    const n = this.ringLength;
    const m = (this.smoother.length - 1) / 2;
    // The event i events back sits at (pos − i) mod n; the window runs from back + m to back − m.
    let at = (aux[a + 1] - back - m + 2 * n) % n;
    let v = 0;
    for (let j = 0; j < this.smoother.length; j++, at = at + 1 === n ? 0 : at + 1) v += this.smoother[j] * aux[ring + at];
    return v;
  }
}

/**
 * The regressors left out of the solve at a stream's event `seen`. The seasonal ones exist from a
 * period on (the smoothed one once the ring holds its window, `ringLength` − 1 events); until each
 * has MIN_EVENTS observations of its own, a fit on a handful of them would weigh them wildly (one
 * event fits any weight).
 */
export function seasonalLeftOut(seen: number, period: number, ringLength: number): readonly boolean[] {
  if (period === 0 || seen < period + MIN_EVENTS) return SEASONAL_LEFT_OUT;
  return seen < ringLength + MIN_EVENTS ? SMOOTHED_LEFT_OUT : NONE_LEFT_OUT;
}

/** Whether the adapted change is served: after MIN_EVENTS, while it recently beat no change by GATE_MARGIN. */
function isOpen(seen: number, err: number, naiveErr: number): boolean {
  return seen >= MIN_EVENTS && err < (1 - GATE_MARGIN) * naiveErr;
}

/**
 * Re-expresses one output's sums in a new scale (old/new = r): every regressor but the constant
 * (index K − 1) and the target scale with the stream, so products of two of them take r², products
 * with the constant r. Without it, events seen while the scale was small (a young stream, a
 * quiet regime) weigh (old/new)² more than new ones for as long as the half-life keeps them.
 */
function rescale(aux: Float32Array, at: number, r: number): void {
  const r2 = r * r;
  let u = at;
  for (let i = 0; i < K; i++) {
    for (let j = i; j < K; j++, u++) aux[u] = clamp(aux[u] * (j === K - 1 ? (i === K - 1 ? 1 : r) : r2));
    aux[at + SUM_XY + i] = clamp(aux[at + SUM_XY + i] * (i === K - 1 ? r : r2));
  }
  aux[at + ERR_AT] = clamp(aux[at + ERR_AT] * r);
  aux[at + MOVING_ERR_AT] = clamp(aux[at + MOVING_ERR_AT] * r);
  aux[at + MOVING_NAIVE_ERR_AT] = clamp(aux[at + MOVING_NAIVE_ERR_AT] * r);
  aux[at + NAIVE_ERR_AT] = clamp(aux[at + NAIVE_ERR_AT] * r);
}
