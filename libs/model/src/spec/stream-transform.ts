import { forecastFeatures, forecastsChange, type ResolvedSpec } from './spec';
import { StreamAdaptation } from './stream-adaptation';

/** Largest float32: what the per-stream statistics are clamped to, so a stored state stays finite. */
const F32_MAX = 3.4028234663852886e38;
/** Counts stop growing here: past it the weights are the half-life's anyway, and it fits a float32 exactly. */
const COUNT_CAP = 1 << 24;

/**
 * A scale never below this share of the stream's level (and never 0): a flat stretch must not
 * make the next small move look infinitely large, and a stream around 1e6 cannot resolve changes
 * finer than float32 allows anyway.
 */
const RELATIVE_FLOOR = 1e-6;
const ABSOLUTE_FLOOR = 1e-12;

/** Per-stream exponentially weighted location and scale of one feature, updated in place. */
export interface ScalerUpdate {
  /** Location (EW mean) after the update. */
  location: number;
  /** Scale (EW std, floored) after the update. */
  scale: number;
}

/**
 * The per-stream scaler's update rule, shared by inference (StreamTransform) and training, so both
 * see the same (x − location) / scale. `state` holds [count, mean_0..F-1, var_0..F-1] from
 * `offset`. The weight of a new value is max(1/count, 1 − 2^(−1/halfLife)): the plain mean and
 * variance while the stream is young, exponential forgetting once it is older than its half-life.
 * The statistics are updated *before* the value is scaled, so the first value maps to 0 and a jump
 * after a flat stretch maps to at most about √(halfLife) instead of infinity.
 */
export function updateScaler(
  state: Float32Array | Float64Array,
  offset: number,
  width: number,
  x: ArrayLike<number>,
  xOffset: number,
  halfLife: number,
  outLocation: Float32Array | Float64Array,
  outScale: Float32Array | Float64Array,
  outOffset: number,
): void {
  const minAlpha = 1 - Math.pow(2, -1 / halfLife);
  const count = Math.min(state[offset] + 1, COUNT_CAP);
  state[offset] = count;
  const alpha = Math.max(1 / count, minAlpha);
  for (let j = 0; j < width; j++) {
    const v = x[xOffset + j];
    const mi = offset + 1 + j;
    const vi = offset + 1 + width + j;
    const delta = v - state[mi];
    const mean = state[mi] + alpha * delta;
    const variance = Math.min((1 - alpha) * (state[vi] + alpha * delta * delta), F32_MAX);
    state[mi] = mean;
    state[vi] = variance;
    outLocation[outOffset + j] = mean;
    outScale[outOffset + j] = Math.max(Math.sqrt(variance), RELATIVE_FLOOR * Math.abs(mean), ABSOLUTE_FLOOR);
  }
}

/** Floats of scaler state per stream for `width` features. */
export const scalerStateSize = (width: number): number => 1 + 2 * width;

/**
 * What a spec does around its network, per stream: per-stream scaling of the inputs, change
 * forecasting and per-stream adaptation of the served change. Specs with none of these (Keras
 * imports, older bundles) use the global Normalizer instead and have no per-stream state here.
 *
 * Auxiliary state per stream (float32, kept in the state table next to the recurrent states, so it
 * is restored, evicted and written to the changelog with them; all zeros = a new stream):
 *   scaler [count, mean(F), var(F)]                           when streamScaling
 *   previous value of each forecast feature (O)                when delta
 *   StreamAdaptation's state                                   when adaptation
 */
export class StreamTransform {
  readonly auxSize: number;
  private readonly f: number;
  private readonly o: number;
  private readonly features: readonly number[];
  private readonly scaling: number | null;
  private readonly delta: boolean;
  private readonly adaptation: StreamAdaptation | null;
  private readonly globalShift: Float64Array | null;
  private readonly globalScale: Float64Array | null;
  private readonly prevAt: number;
  private readonly adaptAt: number;
  /** Location and scale of the batch's streams after this step's update, [B, F] each. */
  private location = new Float64Array(0);
  private scale = new Float64Array(0);
  /** Reused for every adapt() call: the hot path allocates nothing per event. */
  private readonly adaptInput = { current: 0, previous: 0, location: 0, scale: 1, network: 0 };

  private constructor(spec: ResolvedSpec) {
    this.f = spec.inputWidth;
    this.o = spec.head.units;
    this.features = forecastFeatures(spec) ?? [];
    this.scaling = spec.streamScaling?.halfLife ?? null;
    this.delta = forecastsChange(spec);
    this.adaptation = spec.adaptation === null ? null : new StreamAdaptation(this.o, spec.adaptation.halfLife, spec.seasonality?.period ?? 0);
    const n = spec.normalization;
    this.globalShift = n === null ? null : Float64Array.from(n.mean);
    this.globalScale = n === null ? null : Float64Array.from(n.std);
    const scalerSize = this.scaling === null ? 0 : scalerStateSize(this.f);
    this.prevAt = scalerSize;
    this.adaptAt = this.prevAt + (this.delta ? this.o : 0);
    this.auxSize = this.adaptAt + (this.adaptation?.size ?? 0);
  }

  /** The transform of a spec, or null when the spec needs none (plain global normalisation or raw). */
  static of(spec: ResolvedSpec): StreamTransform | null {
    if (spec.streamScaling === null && !forecastsChange(spec)) return null;
    return new StreamTransform(spec);
  }

  /**
   * Before the network: updates each stream's statistics with its new values `x` ([B, F], raw)
   * and writes the network's inputs to `out` ([B, F]).
   */
  prepare(x: Float32Array, aux: Float32Array, batch: number, out: Float32Array): void {
    const f = this.f;
    if (this.location.length < batch * f) {
      this.location = new Float64Array(batch * f);
      this.scale = new Float64Array(batch * f);
    }
    for (let b = 0; b < batch; b++) {
      const a = b * this.auxSize;
      const adaptation = this.adaptation;
      if (adaptation !== null) {
        for (let k = 0; k < this.o; k++) aux[a + this.prevAt + k] = adaptation.learn(aux, a + this.adaptAt, k, x[b * f + this.features[k]], aux[a + this.prevAt + k]);
      }
      if (this.scaling !== null) {
        updateScaler(aux, a, f, x, b * f, this.scaling, this.location, this.scale, b * f);
      } else {
        for (let j = 0; j < f; j++) {
          this.location[b * f + j] = this.globalShift === null ? 0 : this.globalShift[j];
          this.scale[b * f + j] = this.globalScale === null ? 1 : this.globalScale[j];
        }
      }
      for (let j = 0; j < f; j++) out[b * f + j] = (x[b * f + j] - this.location[b * f + j]) / this.scale[b * f + j];
    }
  }

  /**
   * After the network: `y` ([B, O], the network's outputs) becomes the served forecast in raw
   * units, in place. Must follow the prepare() of the same batch.
   */
  finish(x: Float32Array, y: Float32Array, aux: Float32Array, batch: number): void {
    const { f, o } = this;
    for (let b = 0; b < batch; b++) {
      const a = b * this.auxSize;
      for (let k = 0; k < o; k++) {
        const j = this.features[k];
        const scale = this.scale[b * f + j];
        if (!this.delta) {
          y[b * o + k] = this.location[b * f + j] + y[b * o + k] * scale;
          continue;
        }
        const current = x[b * f + j];
        let change = y[b * o + k];
        if (this.adaptation !== null) {
          const input = this.adaptInput;
          input.current = current;
          input.previous = aux[a + this.prevAt + k];
          input.location = this.location[b * f + j];
          input.scale = scale;
          input.network = change;
          change = this.adaptation.adapt(aux, a + this.adaptAt, k, input);
        }
        aux[a + this.prevAt + k] = current;
        y[b * o + k] = current + change * scale;
      }
      this.adaptation?.advance(aux, a + this.adaptAt);
    }
  }
}
