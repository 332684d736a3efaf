import { ReferenceKernel, stateTensors, type WeightsBundle } from '@streamcell/model';
import { ModelSpace, type HeldEvent } from './model-space';

export type LossName = 'mse' | 'mae' | 'huber';

/** S streams × T steps, stream-major, in model space (what the network sees and should output). */
export interface Sequences {
  readonly streams: number;
  readonly steps: number;
  /** [S, T, inputWidth] */
  readonly inputs: Float32Array;
  /** [S, T, headUnits] */
  readonly targets: Float32Array;
}

/** The events each validation stream is scored on: `warm` steps of warm-up, then the scored steps. */
export interface ValidationSet {
  /** Per stream, oldest first: warm + scored + 1 events (the last one is only a target). */
  readonly streams: readonly (readonly HeldEvent[])[];
  readonly warm: number;
  /** Seasonal-naive period in events; 0 = none. Needs `period` events before each scored one. */
  readonly period: number;
}

/**
 * How a version forecasts the held-out events, each stream judged in its own units against its own
 * baselines: ratio = the stream's mean absolute error / its last-value (or seasonal-naive) mean
 * absolute error, so a stream around 1e6 and one around 0.01 weigh the same. Summarised across
 * streams by the median and the 90th percentile, and by the share of streams the version makes
 * worse than last-value.
 */
export interface QualitySummary {
  readonly streams: number;
  readonly medianRatio: number;
  readonly p90Ratio: number;
  /** Share of streams whose ratio to last-value is above 1 (beyond a rounding tolerance). */
  readonly worseShare: number;
  /** Median ratio to seasonal-naive; null without a period (or too little history for it). */
  readonly seasonalMedianRatio: number | null;
}

/** Errors below this share of a stream's scale count as zero: float32 noise is not a forecast error. */
const TOLERANCE = 1e-4;
/** Ratios within this much of 1 are "as good as last-value", not worse. */
const WORSE_THAN = 1.02;

/** Per-stream scored errors: Σ|model|, Σ|last-value|, Σ|seasonal-naive| (NaN without a period). */
interface StreamErrors {
  model: number;
  naive: number;
  seasonal: number;
  scale: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const ratioOf = (err: number, base: number, eps: number): number => (err + eps) / (base + eps);

function summarise(errors: readonly StreamErrors[], steps: number): QualitySummary {
  const ratios: number[] = [];
  const seasonal: number[] = [];
  for (const e of errors) {
    const eps = TOLERANCE * e.scale * steps;
    ratios.push(Number.isFinite(e.model) ? ratioOf(e.model, e.naive, eps) : Number.POSITIVE_INFINITY);
    if (Number.isFinite(e.seasonal)) seasonal.push(ratioOf(e.model, e.seasonal, eps));
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const sortedSeasonal = seasonal.sort((a, b) => a - b);
  return {
    streams: ratios.length,
    medianRatio: quantile(sorted, 0.5),
    p90Ratio: quantile(sorted, 0.9),
    worseShare: ratios.length === 0 ? Number.NaN : ratios.filter((r) => !(r <= WORSE_THAN)).length / ratios.length,
    seasonalMedianRatio: sortedSeasonal.length === errors.length && errors.length > 0 ? quantile(sortedSeasonal, 0.5) : null,
  };
}

/**
 * Runs `bundle` over every validation stream from a zero state (warm-up first, the reference kernel
 * as oracle) and scores its forecasts of the scored events against last-value and seasonal-naive.
 */
export function scoreVersion(bundle: WeightsBundle, set: ValidationSet): QualitySummary {
  const spec = bundle.spec;
  const space = new ModelSpace(spec);
  const s = set.streams.length;
  const steps = s === 0 ? 0 : set.streams[0].length - 1;
  const f = spec.inputWidth;
  const o = spec.head.units;
  const errors: StreamErrors[] = set.streams.map(() => ({ model: 0, naive: 0, seasonal: set.period > 0 ? 0 : Number.NaN, scale: 0 }));
  const kernel = new ReferenceKernel(bundle);
  const states = stateTensors(spec).map((st) => new Float32Array(s * st.size));
  const x = new Float32Array(s * f);
  try {
    for (let t = 0; t < steps; t++) {
      for (let r = 0; r < s; r++) space.input(set.streams[r][t], x, r * f);
      const y = kernel.run(x, states, s);
      if (t < set.warm) continue;
      for (let r = 0; r < s; r++) {
        const events = set.streams[r];
        const e = events[t];
        const next = events[t + 1];
        const err = errors[r];
        for (let k = 0; k < o; k++) {
          const j = space.features[k];
          const actual = next.values[j];
          const forecast = space.forecast(e, k, y[r * o + k]);
          err.model += Math.abs(forecast - actual);
          err.naive += Math.abs(e.values[j] - actual);
          err.scale += e.stats[f + j];
          const back = t + 1 - set.period;
          if (set.period > 0) err.seasonal += back >= 0 ? Math.abs(events[back].values[j] - actual) : Number.NaN;
        }
      }
    }
  } finally {
    kernel.dispose();
  }
  const scored = Math.max(1, steps - set.warm);
  for (const e of errors) e.scale /= scored * o;
  return summarise(errors, scored * o);
}

/** Mean squared error in model space of `bundle` over steps >= `lossFrom` (diagnostics and tests). */
export function modelSpaceLoss(bundle: WeightsBundle, data: Sequences, lossFrom: number): number {
  const spec = bundle.spec;
  const f = spec.inputWidth;
  const o = spec.head.units;
  const kernel = new ReferenceKernel(bundle);
  const s = data.streams;
  const states = stateTensors(spec).map((st) => new Float32Array(s * st.size));
  const x = new Float32Array(s * f);
  let sum = 0;
  let count = 0;
  try {
    for (let t = 0; t < data.steps; t++) {
      for (let r = 0; r < s; r++) x.set(data.inputs.subarray((r * data.steps + t) * f, (r * data.steps + t + 1) * f), r * f);
      const y = kernel.run(x, states, s);
      if (t < lossFrom) continue;
      for (let r = 0; r < s; r++) {
        for (let j = 0; j < o; j++) {
          const d = y[r * o + j] - data.targets[(r * data.steps + t) * o + j];
          sum += d * d;
          count += 1;
        }
      }
    }
  } finally {
    kernel.dispose();
  }
  return count === 0 ? Number.NaN : sum / count;
}

/**
 * States after running `steps` model-space inputs ([S, steps, F]) from zeros: the burn-in for a
 * segment that does not continue a carried state. Detached by construction (plain arithmetic).
 */
export function burnInStates(bundle: WeightsBundle, streams: number, steps: number, inputs: Float32Array): Float32Array[] {
  const spec = bundle.spec;
  const f = spec.inputWidth;
  const states = stateTensors(spec).map((st) => new Float32Array(streams * st.size));
  if (steps === 0) return states;
  const kernel = new ReferenceKernel(bundle);
  const x = new Float32Array(streams * f);
  try {
    for (let t = 0; t < steps; t++) {
      for (let r = 0; r < streams; r++) x.set(inputs.subarray((r * steps + t) * f, (r * steps + t + 1) * f), r * f);
      kernel.run(x, states, streams);
    }
  } finally {
    kernel.dispose();
  }
  return states;
}
