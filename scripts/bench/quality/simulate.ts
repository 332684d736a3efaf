/**
 * Replays a labelled workload through the code the services run — libs/model's StreamingModel (the
 * inference step), the trainer's OnlineTrainer (online TBPTT and the publish gate) and inference's
 * residual detector — in simulated stream time, so a 30-minute run takes a couple of minutes.
 *
 * Time is honest about training: a round that starts at stream time t and takes w seconds of wall
 * time publishes at stream time t + w (the trainer is its own process in production; inference
 * keeps serving the old version meanwhile), and the trainer sees events in stream order.
 */
import { loadConfig } from '@streamcell/config';
import { createBundle, StreamingModel, type WeightsBundle } from '@streamcell/model';
import type { QualityWorkload } from '@streamcell/workload';
import { newResidualState, scoreEvent, type AlertRule, type ResidualState } from '../../../apps/inference/src/residual-detector';
import { trainerSchema, type TrainerConfig } from '../../../apps/trainer/src/config';
import { bootstrapSpec } from '../../../apps/trainer/src/trainer.service';
import { OnlineTrainer, type RoundReport } from '../../../apps/trainer/src/training/online-trainer';
import type { QualityRecord } from './scoring';

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
  let simMs = 0;
  const pending: { bundle: WeightsBundle; atMs: number }[] = [];
  let roundWallStart = 0;
  const trainer = new OnlineTrainer(config, {
    // One writer, so the next version is the base's + 1 (in the service the registry numbers it).
    publish: (draft, base) => {
      const bundle: WeightsBundle = { ...draft, version: base.version + 1, parentVersion: base.version };
      pending.push({ bundle, atMs: simMs + (performance.now() - roundWallStart) });
      return Promise.resolve({ published: bundle });
    },
    checkpoint: () => Promise.resolve(),
    yieldToEventLoop: () => Promise.resolve(),
    now: () => simMs,
  });
  const v1 = createBundle({ name: 'quality', spec: bootstrapSpec(config), init: { seed: config.seed }, version: 1, parentVersion: null, metrics: {} });
  trainer.adoptHead(v1);
  const model = await StreamingModel.create({ bundle: v1, capacity: series.length });
  const ids = series.map((s) => s.id);
  const detectors: ResidualState[] = series.map(() => newResidualState());
  const records: QualityRecord[] = [];
  const recordAt = new Map<string, number>();
  const rounds: (RoundReport & { atSeconds: number })[] = [];
  const versions = [{ version: 1, atSeconds: 0 }];
  const input = new Float32Array(series.length);
  let forecasts: Float32Array | null = null;
  try {
    for (let k = 0; k < events; k++) {
      simMs = k * interval * 1000;
      while (pending.length > 0 && pending[0].atMs <= simMs) {
        const next = pending.shift()!;
        await model.swapWeights(next.bundle);
        versions.push({ version: next.bundle.version, atSeconds: simMs / 1000 });
      }
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
      if (trainer.isRoundDue()) {
        roundWallStart = performance.now();
        const report = await trainer.runRound();
        rounds.push({ ...report, atSeconds: simMs / 1000 });
      }
    }
  } finally {
    await model.dispose();
  }
  return { records, rounds, versions, wallSeconds: (performance.now() - started) / 1000 };
}
