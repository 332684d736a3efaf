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
  const events = Math.min(...series.map((s) => s.values.length));
  const interval = workload.intervalSeconds;
  const trainer = new SimulatedTrainer(config, 'quality');
  const model = await StreamingModel.create({ bundle: trainer.first, capacity: series.length });
  const ids = series.map((s) => s.id);
  const detectors: ResidualState[] = series.map(() => newResidualState());
  const records: QualityRecord[] = [];
  const recordAt = new Map<string, number>();
  const input = new Float32Array(series.length);
  let forecasts: Float32Array | null = null;
  try {
    for (let k = 0; k < events; k++) {
      const simMs = k * interval * 1000;
      await trainer.advanceTo(simMs, model);
      for (let r = 0; r < series.length; r++) input[r] = series[r].values[k];
      for (let r = 0; r < series.length; r++) {
        const s = series[r];
        const actual = Float32Array.of(input[r]);
        const verdict = scoreEvent(detectors[r], actual, k, rule);
        if (verdict?.alert != null) {
          const at = recordAt.get(`${r}:${verdict.alert.ts}`);
          if (at !== undefined) records[at] = { ...records[at], alert: true };
        }
        if (forecasts !== null && k > 0) {
          recordAt.set(`${r}:${k}`, records.length);
          records.push({
            series: r,
            t: k * interval,
            actual: input[r],
            forecast: forecasts[r],
            lastValue: s.values[k - 1],
            seasonal: s.period !== undefined && k >= s.period ? s.values[k - s.period] : null,
            alert: false,
            anomaly: s.anomaly[k] === 1,
            oracle: s.expected?.[k] ?? null,
          });
        }
        trainer.observe(s.id, [input[r]]);
      }
      forecasts = await model.step(ids, input, simMs);
      const version = model.bundle.version;
      for (let r = 0; r < series.length; r++) {
        detectors[r].forecast = forecasts.subarray(r, r + 1).slice();
        detectors[r].forecastVersion = version;
      }
      await trainer.trainIfDue();
    }
  } finally {
    await model.dispose();
  }
  return { records, rounds: trainer.rounds, versions: trainer.versions, wallSeconds: (performance.now() - started) / 1000 };
}
