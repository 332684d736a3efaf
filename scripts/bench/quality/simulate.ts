/**
 * Replays a labelled workload through the code the services run — libs/model's StreamingModel (the
 * inference step), the trainer's OnlineTrainer (online TBPTT and the publish gate) and inference's
 * residual detector — in simulated stream time, so a 30-minute run takes a couple of minutes.
 * Time is honest about training (simulated-trainer.ts).
 */
import { loadConfig } from '@streamcell/config';
import { StreamingModel } from '@streamcell/model';
import type { QualityWorkload } from '@streamcell/workload';
import { newResidualState, scoreEvent, type AlertRule, type ResidualState } from '../../../apps/inference/src/residual-detector';
import { trainerSchema, type TrainerConfig } from '../../../apps/trainer/src/config';
import type { RoundReport } from '../../../apps/trainer/src/training/online-trainer';
import type { QualityRecord } from './scoring';
import { SimulatedTrainer } from './simulated-trainer';

export interface SimulationOptions {
  /** Trainer settings as environment variables (defaults = the service's defaults). */
  readonly trainerEnv?: Readonly<Record<string, string>>;
  /** Alert rule (defaults = inference's defaults). */
  readonly rule?: AlertRule;
}

export interface SimulationResult {
  readonly records: QualityRecord[];
  readonly rounds: readonly (RoundReport & { readonly atSeconds: number })[];
  /** Versions served, with the stream second each went live. */
  readonly versions: readonly { readonly version: number; readonly atSeconds: number }[];
  readonly wallSeconds: number;
}

export const DEFAULT_RULE: AlertRule = { zThreshold: 6, warmup: 20, cooldown: 3, halfLife: 100 };

export async function simulate(workload: QualityWorkload, options: SimulationOptions = {}): Promise<SimulationResult> {
  const started = performance.now();
  const config: TrainerConfig = loadConfig(trainerSchema, { INPUT_WIDTH: '1', ...options.trainerEnv });
  const rule = options.rule ?? DEFAULT_RULE;
  const series = workload.series;
  // Each series is replayed to its own end (real series differ in length): the shortest must not
  // cut the others. A series that has ended is simply not stepped any more.
  const events = Math.max(...series.map((s) => s.values.length));
  const interval = workload.intervalSeconds;
  const trainer = new SimulatedTrainer(config, 'quality');
  const model = await StreamingModel.create({ bundle: trainer.first, capacity: series.length });
  const detectors: ResidualState[] = series.map(() => newResidualState());
  const records: QualityRecord[] = [];
  const recordAt = new Map<string, number>();
  /** Each series' forecast of its next event (NaN before its first step). */
  const forecasts = new Float32Array(series.length).fill(Number.NaN);
  try {
    for (let k = 0; k < events; k++) {
      const simMs = k * interval * 1000;
      await trainer.advanceTo(simMs, model);
      const active = series.flatMap((s, r) => (k < s.values.length ? [r] : []));
      const input = Float32Array.from(active, (r) => series[r].values[k]);
      active.forEach((r, i) => {
        const s = series[r];
        const actual = Float32Array.of(input[i]);
        const verdict = scoreEvent(detectors[r], actual, k, rule);
        if (verdict?.alert != null) {
          const at = recordAt.get(`${r}:${verdict.alert.ts}`);
          if (at !== undefined) records[at] = { ...records[at], alert: true };
        }
        if (k > 0) {
          recordAt.set(`${r}:${k}`, records.length);
          records.push({
            series: r,
            t: k * interval,
            actual: input[i],
            forecast: forecasts[r],
            lastValue: s.values[k - 1],
            seasonal: s.period !== undefined && k >= s.period ? s.values[k - s.period] : null,
            alert: false,
            anomaly: s.anomaly[k] === 1,
            oracle: s.expected?.[k] ?? null,
          });
        }
        trainer.observe(s.id, [input[i]]);
      });
      const out = await model.step(active.map((r) => series[r].id), input, simMs);
      const version = model.bundle.version;
      active.forEach((r, i) => {
        forecasts[r] = out[i];
        detectors[r].forecast = out.subarray(i, i + 1).slice();
        detectors[r].forecastVersion = version;
      });
      await trainer.trainIfDue();
    }
  } finally {
    await model.dispose();
  }
  return { records, rounds: trainer.rounds, versions: trainer.versions, wallSeconds: (performance.now() - started) / 1000 };
}
