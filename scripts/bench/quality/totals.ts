/**
 * The per-series normalisation the quality scores share (see scoring.ts): checking records, each
 * series' naive scale, and relative-error sums with their means per bucket and over series.
 */
import type { QualityRecord } from './scoring';

/** Relative MAEs of one bucket or one series (see MaeRow in scoring.ts). */
export interface RelativeMeans {
  readonly count: number;
  readonly mae: number;
  readonly naiveMae: number;
  readonly seasonalMae: number | null;
  readonly maeWhereSeasonal: number | null;
  readonly seasonalCount: number;
  readonly oracleMae: number | null;
}

export interface MaeTotals {
  /** Mean over series of the series' relative forecast MAE. */
  readonly mae: number;
  /** Mean over series of the series' relative last-value MAE (exactly 1 over the whole run). */
  readonly naiveMae: number;
  /** Mean over series with a seasonal baseline of their relative seasonal-naive MAE. */
  readonly seasonalMae: number | null;
  /** Mean over the same series of the relative forecast MAE on the same records. */
  readonly maeWhereSeasonal: number | null;
  /**
   * Mean over series with an oracle forecast of their relative oracle MAE: a lower bound no real
   * forecaster reaches (it knows the generator); null when no record has one (real data).
   */
  readonly oracleMae: number | null;
  /** mae / naiveMae. */
  readonly ratio: number;
  /** maeWhereSeasonal / seasonalMae. */
  readonly seasonalRatio: number | null;
  /** Series that contributed. */
  readonly series: number;
}

/** A forecast that is NaN or infinite is a model failure the benchmark must show, not average away. */
export function validate(records: readonly QualityRecord[]): void {
  for (const r of records) {
    const oracleBad = r.oracle !== undefined && r.oracle !== null && !Number.isFinite(r.oracle);
    if (!Number.isFinite(r.actual) || !Number.isFinite(r.forecast) || !Number.isFinite(r.lastValue) || (r.seasonal !== null && !Number.isFinite(r.seasonal)) || oracleBad) {
      throw new RangeError(
        `non-finite value in record ${JSON.stringify({ ...r, forecast: String(r.forecast), actual: String(r.actual), lastValue: String(r.lastValue), seasonal: String(r.seasonal), oracle: String(r.oracle) })}`,
      );
    }
  }
}

/** Each series' mean |actual − lastValue| over all its records; series where it is 0 are absent. */
export function naiveScales(records: readonly QualityRecord[]): Map<number, number> {
  const sum = new Map<number, { e: number; n: number }>();
  for (const r of records) {
    const x = sum.get(r.series) ?? { e: 0, n: 0 };
    x.e += Math.abs(r.lastValue - r.actual);
    x.n++;
    sum.set(r.series, x);
  }
  const out = new Map<number, number>();
  for (const [series, x] of sum) if (x.e > 0) out.set(series, x.e / x.n);
  return out;
}

export class Sums {
  n = 0;
  f = 0;
  lv = 0;
  ns = 0;
  s = 0;
  fs = 0;
  no = 0;
  o = 0;
  add(r: QualityRecord, scale: number): void {
    const e = Math.abs(r.forecast - r.actual) / scale;
    this.n++;
    this.f += e;
    this.lv += Math.abs(r.lastValue - r.actual) / scale;
    if (r.seasonal !== null) {
      this.ns++;
      this.s += Math.abs(r.seasonal - r.actual) / scale;
      this.fs += e;
    }
    if (r.oracle !== undefined && r.oracle !== null) {
      this.no++;
      this.o += Math.abs(r.oracle - r.actual) / scale;
    }
  }
  means(): RelativeMeans {
    return {
      count: this.n,
      mae: this.n > 0 ? this.f / this.n : Number.NaN,
      naiveMae: this.n > 0 ? this.lv / this.n : Number.NaN,
      seasonalMae: this.ns > 0 ? this.s / this.ns : null,
      maeWhereSeasonal: this.ns > 0 ? this.fs / this.ns : null,
      seasonalCount: this.ns,
      oracleMae: this.no > 0 ? this.o / this.no : null,
    };
  }
}

/** Mean over series of each series' relative MAEs over records with t ≥ from. */
export function totals(records: readonly QualityRecord[], scale: Map<number, number>, from: number): MaeTotals {
  const per = new Map<number, Sums>();
  for (const r of records) {
    const s = scale.get(r.series);
    if (s === undefined || r.t < from) continue;
    let sums = per.get(r.series);
    if (sums === undefined) per.set(r.series, (sums = new Sums()));
    sums.add(r, s);
  }
  const means = [...per.values()].map((s) => s.means());
  const avg = (xs: number[]): number => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  /** Mean of a per-series figure over the series that have it; null when none do. */
  const avgPresent = (xs: (number | null)[]): number | null => {
    const present = xs.filter((x): x is number => x !== null);
    return present.length > 0 ? avg(present) : null;
  };
  const mae = avg(means.map((m) => m.mae));
  const naiveMae = avg(means.map((m) => m.naiveMae));
  const seasonal = means.filter((m) => m.seasonalMae !== null);
  const seasonalMae = avgPresent(seasonal.map((m) => m.seasonalMae));
  const maeWhereSeasonal = avgPresent(seasonal.map((m) => m.maeWhereSeasonal));
  return {
    mae,
    naiveMae,
    seasonalMae,
    maeWhereSeasonal,
    oracleMae: avgPresent(means.map((m) => m.oracleMae)),
    ratio: mae / naiveMae,
    seasonalRatio: seasonalMae !== null && maeWhereSeasonal !== null && seasonalMae > 0 ? maeWhereSeasonal / seasonalMae : null,
    series: means.length,
  };
}
