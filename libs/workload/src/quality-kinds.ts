/**
 * The generators of bench:quality's synthetic kinds (quality-workload.ts assembles them into a
 * labelled workload): each returns the clean series, the oracle's forecast of every event and the
 * stretches where an anomaly must not be placed (ramps, flats). Deterministic for a Draw.
 */

export const QUALITY_KINDS = [
  'seasonal-smooth',
  'random-walk',
  'ar-sensor',
  'counter',
  'seasonal-noisy',
  'geometric-walk',
  'trend-seasonal',
  'heavy-tailed',
] as const;
export type QualityKind = (typeof QUALITY_KINDS)[number];

/** Events per series in the full workload; the trend's growth per event is fixed against it. */
export const FULL_EVENTS = 1_800;
/** Anomalies are never placed before this event, so every detector has had time to warm up. */
export const FIRST_ANOMALY_EVENT = 60;
/** Distance kept between an anomaly and the shift, a ramp or a flat: the label must be unambiguous. */
export const ANOMALY_CLEARANCE = 10;

export class Draw {
  constructor(private readonly random: () => number) {}
  next(): number {
    return this.random();
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }
  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.random() * (hiInclusive - lo + 1));
  }
  sign(): number {
    return this.random() < 0.5 ? -1 : 1;
  }
  gauss(): number {
    const u = Math.max(this.random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }
  /** Laplace(0, 1/√2) (unit variance), clipped at ±4: heavy-tailed but bounded. */
  laplace(): number {
    const u = Math.max(this.random(), 1e-12);
    return Math.max(-4, Math.min(4, (this.sign() * -Math.log(u)) / Math.SQRT2));
  }
}

export interface Interval {
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
}

/** What generating a kind returns besides the values: the oracle's forecasts, where anomalies must not go. */
export interface Clean {
  readonly values: Float64Array;
  readonly expected: Float64Array;
  readonly period: number | undefined;
  readonly quiet: readonly Interval[];
}

export interface Shape {
  readonly n: number;
  readonly shift: number;
  readonly scale: number;
  readonly d: Draw;
}

export function generate(kind: QualityKind, s: Shape): Clean {
  switch (kind) {
    case 'seasonal-smooth':
      return seasonal(s, 0.01, 0.03, false);
    case 'seasonal-noisy':
      return seasonal(s, 0.1, 0.25, true);
    case 'trend-seasonal':
      return trendSeasonal(s);
    case 'counter':
      return counter(s);
    case 'random-walk':
      return walk(s, false);
    case 'geometric-walk':
      return walk(s, true);
    case 'ar-sensor':
      return sensor(s, false);
    case 'heavy-tailed':
      return sensor(s, true);
  }
}

/**
 * Regime shift for seasonal kinds: the frequency doubles, so period P still divides the new
 * period ×2 and seasonal-naive at lag P stays a valid baseline, while the shape a model learnt is
 * wrong. Amplitude, level and noise change too.
 */
function seasonalShift(d: Draw): { amp: number; level: number; noise: number } {
  return { amp: d.uniform(0.5, 2.5), level: d.sign() * d.uniform(0.1, 0.4), noise: d.uniform(0.6, 1.8) };
}

function seasonal({ n, shift, scale, d }: Shape, noiseLo: number, noiseHi: number, withRamps: boolean): Clean {
  const period = d.next() < 0.5 ? 60 : 120;
  let level = scale * d.uniform(1, 3);
  let amp = scale * d.uniform(0.2, 0.5);
  let noise = amp * d.uniform(noiseLo, noiseHi);
  const harmonic = d.uniform(0.1, 0.4);
  const phase = d.uniform(0, 2 * Math.PI);
  const after = seasonalShift(d);
  const ramps = withRamps ? pickIntervals(d, n, shift, d.int(1, 3), 8, 30) : [];
  const rampSize = ramps.map(() => d.sign() * d.uniform(5, 15));
  const values = new Float64Array(n);
  const expected = new Float64Array(n);
  let freq = 1;
  let ar = 0;
  for (let k = 0; k < n; k++) {
    if (k === shift) {
      freq = 2;
      level += after.level * scale;
      amp *= after.amp;
      noise *= after.noise;
    }
    ramps.forEach((r, j) => {
      if (k >= r.from && k < r.to) level += (rampSize[j] * noise) / (r.to - r.from);
    });
    const x = (2 * Math.PI * freq * k) / period + phase;
    const curve = level + amp * (Math.sin(x) + harmonic * Math.sin(2 * x + 1));
    // The AR part of the noise is known from the previous event; the innovation is not.
    expected[k] = curve + (withRamps ? noise * 0.5 * ar : 0);
    // Noisy seasonal series have autocorrelated noise (φ 0.5), as real sensors do.
    ar = withRamps ? 0.5 * ar + d.gauss() : d.gauss();
    values[k] = curve + noise * ar;
  }
  return { values, expected, period, quiet: ramps };
}

function trendSeasonal({ n, shift, scale, d }: Shape): Clean {
  const period = d.next() < 0.5 ? 60 : 120;
  // Growth per event is fixed in absolute terms (not per run length) so small mode has the same shape.
  let growth = (scale * d.uniform(0.5, 2)) / FULL_EVENTS;
  let amp = scale * d.uniform(0.05, 0.15);
  const noise = amp * d.uniform(0.05, 0.15);
  const phase = d.uniform(0, 2 * Math.PI);
  let level = scale;
  let freq = 1;
  const values = new Float64Array(n);
  const expected = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (k === shift) {
      // Growth turns into decline (a drifting level that changes direction) and the season doubles.
      growth *= -d.uniform(0.5, 1.5);
      amp *= d.uniform(1.5, 2.5);
      freq = 2;
    }
    level += growth;
    expected[k] = level + amp * Math.sin((2 * Math.PI * freq * k) / period + phase);
    values[k] = expected[k] + noise * d.gauss();
  }
  return { values, expected, period, quiet: [] };
}

/**
 * Requests per second × a unit (scale / 100, e.g. kB per request): Poisson counts around a
 * seasonal rate, so the level stays around the series' magnitude.
 */
function counter({ n, shift, scale, d }: Shape): Clean {
  const period = 120;
  let base = d.uniform(30, 300);
  const phase = d.uniform(0, 2 * Math.PI);
  let freq = 1;
  const values = new Float64Array(n);
  const expected = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (k === shift) {
      base *= d.uniform(1.5, 3);
      freq = 2;
    }
    const rate = base * (1 + 0.5 * Math.sin((2 * Math.PI * freq * k) / period + phase));
    // The median of the rounded normal below is the rate rounded (not the rate: counts are whole).
    expected[k] = (scale / 100) * Math.round(rate);
    // Normal approximation of Poisson(rate): rate ≥ 15 here, close enough and far cheaper.
    values[k] = (scale / 100) * Math.max(0, Math.round(rate + Math.sqrt(rate) * d.gauss()));
  }
  return { values, expected, period, quiet: [] };
}

/**
 * Arithmetic random walk with a small drift (a trend last-value cannot use but a model can), or
 * a geometric walk (a price: always positive, multiplicative steps, level drifting by up to ~3×).
 * Flat stretches pause the walk (market closed, sensor idle): it resumes from the held value, so
 * a flat is not followed by a jump that would look like an unlabelled anomaly.
 */
function walk({ n, shift, scale, d }: Shape, geometric: boolean): Clean {
  const flats = pickIntervals(d, n, shift, d.int(1, 2), 20, 120);
  let sigma = geometric ? d.uniform(0.002, 0.006) : scale * d.uniform(0.01, 0.02);
  let drift = geometric ? d.uniform(0, 0.0006) : sigma * d.uniform(-0.15, 0.15);
  let x = geometric ? Math.log(scale) : scale * d.uniform(-1, 1);
  const values = new Float64Array(n);
  const expected = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (k === shift) {
      sigma *= d.uniform(2, 4);
      drift = -drift * d.uniform(1, 3);
    }
    const flat = inside(flats, k);
    // exp of the log's median is the price's median (its mean would add σ²/2: not MAE-optimal).
    const next = flat ? x : x + drift;
    expected[k] = geometric ? Math.exp(next) : next;
    if (!flat) x += drift + sigma * d.gauss();
    values[k] = geometric ? Math.exp(x) : x;
  }
  return { values, expected, period: undefined, quiet: flats };
}

/**
 * A mean-reverting sensor (AR(1) around a level) with level shifts as short ramps and flat
 * stretches; `heavy` uses clipped Laplace innovations, whose normal ±4σ jumps a detector must
 * learn to tolerate. The shift moves the level by 10–30σ, changes the persistence and doubles σ.
 */
function sensor({ n, shift, scale, d }: Shape, heavy: boolean): Clean {
  const flats = pickIntervals(d, n, shift, d.int(1, 2), 20, 100);
  const ramps = pickIntervals(d, n, shift, d.int(2, 3), 5, 30, flats);
  let sigma = scale * d.uniform(0.01, 0.03);
  let phi = d.uniform(0.6, 0.9);
  let level = scale * d.uniform(1, 3);
  const rampSize = ramps.map(() => d.sign() * d.uniform(5, 20) * sigma);
  let x = level;
  const values = new Float64Array(n);
  const expected = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (k === shift) {
      level += d.sign() * d.uniform(10, 30) * sigma;
      phi = d.uniform(0.2, 0.5);
      sigma *= 2;
    }
    ramps.forEach((r, j) => {
      if (k >= r.from && k < r.to) {
        const step = rampSize[j] / (r.to - r.from);
        level += step;
        x += step;
      }
    });
    const flat = inside(flats, k);
    // Both innovations are symmetric around 0, so the median is the AR(1) step without them.
    expected[k] = flat ? x : level + phi * (x - level);
    if (!flat) x = level + phi * (x - level) + sigma * (heavy ? d.laplace() : d.gauss());
    values[k] = x;
  }
  return { values, expected, period: undefined, quiet: [...flats, ...ramps] };
}

function inside(intervals: readonly Interval[], k: number): boolean {
  return intervals.some((r) => k >= r.from && k < r.to);
}

/** `count` disjoint intervals of the given lengths, after the first anomaly event and clear of the shift. */
function pickIntervals(d: Draw, n: number, shift: number, count: number, minLen: number, maxLen: number, avoid: readonly Interval[] = []): Interval[] {
  const out: Interval[] = [];
  for (let attempt = 0; attempt < 200 && out.length < count; attempt++) {
    const len = d.int(minLen, maxLen);
    const from = d.int(FIRST_ANOMALY_EVENT, n - len - 1);
    const candidate = { from, to: from + len };
    const clash = [...out, ...avoid].some((r) => from < r.to + ANOMALY_CLEARANCE && r.from < candidate.to + ANOMALY_CLEARANCE);
    const nearShift = from <= shift + ANOMALY_CLEARANCE && candidate.to >= shift - ANOMALY_CLEARANCE;
    if (!clash && !nearShift) out.push(candidate);
  }
  return out.sort((a, b) => a.from - b.from);
}
