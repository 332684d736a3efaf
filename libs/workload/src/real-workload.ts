import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { QualitySeries, QualityWorkload } from './quality-workload';

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
