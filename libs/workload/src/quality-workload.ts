/**
 * The labelled workload of the prediction-quality benchmark (`npm run bench:quality`, issue 9).
 *
 * Unlike `SignalGenerator` (one shape, one magnitude, generated event by event for the live
 * system), this builds whole univariate series up front so that a benchmark can replay them in
 * simulated stream time and score every forecast and alert against known truth. The mix is
 * chosen so that no single trick wins everywhere:
 * - random walks and geometric (price-like) walks, where last-value is close to optimal;
 * - smooth and noisy seasonal series (period 60 or 120 events), trend + season, and seasonal
 *   counters, where a model can beat both last-value and seasonal-naive;
 * - mean-reverting sensors with level shifts (short ramps) and flat stretches (stuck / idle),
 *   and a heavy-tailed sensor whose normal jumps are large but bounded;
 * - a regime shift for every series at `shiftAtEvent` (frequency doubled, amplitude, level,
 *   volatility or growth changed), so adaptation speed is measurable;
 * - magnitudes from 1e-2 to 1e6 (eight orders) spread across kinds, some drifting, so no global
 *   statistic can serve every stream;
 * - labelled anomalies: isolated one-event spikes of 7–12× the series' own robust change scale
 *   in the current regime, 0.5–1 % of events, never in the first 60 events, never next to the
 *   shift, a ramp or a flat stretch, and at least 15 events apart. Exactly those events carry a
 *   label; level shifts, flats and heavy-tailed jumps are normal behaviour and are not labelled.
 *
 * Deterministic for a seed: every series draws from its own PRNG (seeded from the workload seed
 * and the series index), and anomaly placement draws from a second one, so turning anomalies
 * off (`anomalies: false`) leaves the clean values bit-identical. Tests rely on that.
 *
 * Every synthetic series also carries the oracle's forecast (`expected`): what the generator
 * itself expects of each event, knowing its parameters and clean state. No real forecaster can
 * know those, so its error is a lower bound for the benchmark, not a target.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { rng } from './signal';

export interface QualitySeries {
  readonly id: string;
  /** One value per event; event k happens at k × intervalSeconds of stream time. */
  readonly values: Float64Array;
  /** 1 where an anomaly was injected into that event, else 0. */
  readonly anomaly: Uint8Array;
  /** Seasonal period in events, when the series has one (valid before and after the shift). */
  readonly period: number | undefined;
  /** Generator kind (see QUALITY_KINDS), or 'real' for the real-data fixture. */
  readonly kind: string;
  /** Order of magnitude the series was generated at (its level or step unit); 1 for real data. */
  readonly magnitude: number;
  /**
   * The oracle's forecast of each event: the generator's conditional median (the MAE-optimal
   * point forecast) of event k given its true parameters, including the regime shift's, and the
   * clean state up to k − 1. It forecasts the clean series (anomalies are unpredictable) and is
   * not rounded. Undefined for real data, which has no known generator.
   */
  readonly expected?: Float64Array;
}

export interface QualityWorkload {
  readonly intervalSeconds: number;
  /** Event index (per series) where the regime shifts; +Infinity when there is no known shift. */
  readonly shiftAtEvent: number;
  readonly series: readonly QualitySeries[];
}

export interface QualityWorkloadOptions {
  /** ~12 streams × 600 events (seconds of CPU) instead of 48 × 1,800. */
  readonly small: boolean;
  /** Default 9. */
  readonly seed?: number;
  /** Inject the labelled anomalies. Default true; false gives the same series without them. */
  readonly anomalies?: boolean;
}

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

const FULL = { series: 48, events: 1_800 } as const;
const SMALL = { series: 12, events: 600 } as const;
/** Anomalies are never placed before this event, so every detector has had time to warm up. */
const FIRST_ANOMALY_EVENT = 60;
const MIN_ANOMALY_GAP = 15;
/** Distance kept between an anomaly and the shift, a ramp or a flat: the label must be unambiguous. */
const ANOMALY_CLEARANCE = 10;

class Draw {
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

interface Interval {
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
}

/** What generating a kind returns besides the values: the oracle's forecasts, where anomalies must not go. */
interface Clean {
  readonly values: Float64Array;
  readonly expected: Float64Array;
  readonly period: number | undefined;
  readonly quiet: readonly Interval[];
}

interface Shape {
  readonly n: number;
  readonly shift: number;
  readonly scale: number;
  readonly d: Draw;
}

export function qualityWorkload(options: QualityWorkloadOptions): QualityWorkload {
  const size = options.small ? SMALL : FULL;
  const seed = options.seed ?? 9;
  const shift = Math.round(size.events / 3);
  const series: QualitySeries[] = [];
  for (let i = 0; i < size.series; i++) {
    const kind = QUALITY_KINDS[i % QUALITY_KINDS.length];
    // Magnitudes 1e-2 … 1e6, evenly spaced in log10 and permuted (5 is coprime with 12 and 48) so
    // that every kind meets small and large scales, in small mode as well as full.
    const rank = (i * 5) % size.series;
    const scale = 10 ** (-2 + (8 * rank) / (size.series - 1));
    const d = new Draw(rng(hash(seed, i, 1)));
    const clean = generate(kind, { n: size.events, shift, scale, d });
    const anomaly = new Uint8Array(size.events);
    const values = Float64Array.from(clean.values);
    if (options.anomalies ?? true) {
      injectAnomalies(kind, values, anomaly, clean.quiet, shift, new Draw(rng(hash(seed, i, 2))));
    }
    for (let k = 0; k < values.length; k++) values[k] = round(values[k], kind);
    series.push({ id: `${kind}-${String(i).padStart(2, '0')}`, values, anomaly, period: clean.period, kind, magnitude: scale, expected: clean.expected });
  }
  return { intervalSeconds: 1, shiftAtEvent: shift, series };
}

function hash(seed: number, i: number, salt: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35) ^ Math.imul(salt, 0x27d4eb2f)) >>> 0;
}

/** Six significant digits, as a metrics pipeline would store them; counters stay whole counts. */
function round(v: number, kind: string): number {
  return v === 0 ? 0 : Number(v.toPrecision(kind === 'counter' ? 9 : 6));
}

function generate(kind: QualityKind, s: Shape): Clean {
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
  let growth = (scale * d.uniform(0.5, 2)) / FULL.events;
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

/**
 * Robust scale of one-event changes (1.4826 × MAD of first differences, zero differences from
 * flat stretches left out) over [from, to): the "noise/change scale" an anomaly is measured in.
 */
export function changeScale(values: ArrayLike<number>, from: number, to: number): number {
  const diffs: number[] = [];
  for (let k = Math.max(from, 1); k < to; k++) {
    const diff = values[k] - values[k - 1];
    if (diff !== 0) diffs.push(diff);
  }
  if (diffs.length === 0) return 0;
  const med = median(diffs);
  return 1.4826 * median(diffs.map((x) => Math.abs(x - med)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function injectAnomalies(kind: QualityKind, values: Float64Array, anomaly: Uint8Array, quiet: readonly Interval[], shift: number, d: Draw): void {
  const n = values.length;
  // Each regime has its own change scale: a spike is unusual relative to the regime it is in.
  const scales = [changeScale(values, 1, shift), changeScale(values, shift + 1, n)];
  const count = Math.round(d.uniform(0.005, 0.01) * n);
  const placed: number[] = [];
  for (let attempt = 0; attempt < 10_000 && placed.length < count; attempt++) {
    const k = d.int(FIRST_ANOMALY_EVENT, n - 2);
    if (Math.abs(k - shift) <= ANOMALY_CLEARANCE) continue;
    if (quiet.some((r) => k >= r.from - ANOMALY_CLEARANCE && k < r.to + ANOMALY_CLEARANCE)) continue;
    if (placed.some((p) => Math.abs(p - k) < MIN_ANOMALY_GAP)) continue;
    placed.push(k);
  }
  for (const k of placed) {
    // Counters only burst upwards: a drop of 7σ would go below zero for small rates.
    const sign = kind === 'counter' ? 1 : d.sign();
    values[k] += sign * d.uniform(7, 12) * scales[k < shift ? 0 : 1];
    anomaly[k] = 1;
  }
}

/**
 * The committed real-data fixture (scripts/bench/quality/fixtures/real-series.json, written by
 * export_real_series.py from datasets shipped inside PyPI packages). It has no anomaly labels and
 * no known regime shift: it is for forecast quality only. Each observation is one event, one
 * second apart in stream time, whatever its real sampling (weekly, monthly, hourly).
 */
export const REAL_SERIES_FIXTURE = resolve(__dirname, '../../../scripts/bench/quality/fixtures/real-series.json');

interface RealFixture {
  readonly series: ReadonlyArray<{ readonly id: string; readonly values: readonly unknown[]; readonly period?: number | null }>;
}

export function realWorkload(fixturePath: string = REAL_SERIES_FIXTURE): QualityWorkload {
  const parsed = JSON.parse(readFileSync(fixturePath, 'utf8')) as { readonly series?: unknown };
  if (!Array.isArray(parsed.series) || parsed.series.length === 0) {
    throw new Error(`${fixturePath} has no "series" array; regenerate it with scripts/bench/quality/export_real_series.py`);
  }
  const series = (parsed.series as RealFixture['series']).map((s): QualitySeries => {
    // Checked on the parsed array: Float64Array.from would quietly turn a null into 0.
    const bad = s.values.findIndex((v: unknown) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new Error(`${fixturePath}: series ${s.id} has a non-finite value at index ${bad} (${String(s.values[bad])})`);
    const values = Float64Array.from(s.values as readonly number[]);
    return { id: s.id, values, anomaly: new Uint8Array(values.length), period: s.period ?? undefined, kind: 'real', magnitude: 1 };
  });
  return { intervalSeconds: 1, shiftAtEvent: Number.POSITIVE_INFINITY, series };
}
