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
import { ANOMALY_CLEARANCE, Draw, FIRST_ANOMALY_EVENT, FULL_EVENTS, generate, QUALITY_KINDS, type Interval, type QualityKind } from './quality-kinds';
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

const FULL = { series: 48, events: FULL_EVENTS } as const;
const SMALL = { series: 12, events: 600 } as const;
const MIN_ANOMALY_GAP = 15;

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
