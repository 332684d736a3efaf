/**
 * `npm start`'s workload replayed in simulated stream time through the code the services run
 * (StreamingModel and the online trainer with npm start's trainer settings), scored per minute as
 * `check:live` scores a running system (scripts/start/minute-ratios.ts). It shows, in seconds and
 * without a broker, what a new user sees in the live view's first minutes, and it tracked a real
 * 12-minute `npm start` within 0.02 in every minute (docs/decisions.md).
 */
import { loadConfig } from '@streamcell/config';
import { StreamingModel } from '@streamcell/model';
import { SignalGenerator } from '@streamcell/workload';
import { trainerSchema } from '../../../apps/trainer/src/config';
import { minuteSums, summarise, type ServedEvent } from '../../start/minute-ratios';
import { startDefaults } from '../../start/settings';
import { SimulatedTrainer } from './simulated-trainer';

export interface StartReplayOptions {
  readonly streams: number;
  readonly minutes: number;
  /** Events per second over all streams (npm start: 300, i.e. one per stream per second with 300 streams). */
  readonly rate: number;
  readonly shiftAfterSeconds: number;
  readonly width?: number;
}

export interface StartReplay {
  /** Served forecast error / last-value error, per minute of stream time. */
  readonly minutes: number[];
  readonly ratio: number;
  readonly worstMinuteRatio: number;
  readonly published: number;
}

export async function replayStart(options: StartReplayOptions): Promise<StartReplay> {
  const { streams, rate } = options;
  const width = options.width ?? 8;
  const trainerEnv = Object.fromEntries(Object.entries(startDefaults).filter(([k]) => k.startsWith('TRAINER_')));
  const trainer = new SimulatedTrainer(loadConfig(trainerSchema, { ...trainerEnv, INPUT_WIDTH: String(width) }), 'start');
  // As npm start builds it (system.ts), so the replay sees the same values and anomalies.
  const generator = new SignalGenerator({ streams, width, period: 120, shiftAt: Math.max(1, Math.round((options.shiftAfterSeconds * rate) / streams)) });
  const model = await StreamingModel.create({ bundle: trainer.first, capacity: streams });
  const ids = Array.from({ length: streams }, (_, i) => generator.streamId(i));
  const served: ServedEvent[][] = ids.map(() => []);
  const input = new Float32Array(streams * width);
  const intervalMs = (1000 * streams) / rate;
  const events = Math.floor((options.minutes * 60_000) / intervalMs);
  try {
    for (let k = 0; k < events; k++) {
      const ts = k * intervalMs;
      await trainer.advanceTo(ts, model);
      const anomaly: boolean[] = [];
      for (let i = 0; i < streams; i++) {
        const e = generator.next(i);
        anomaly.push(e.anomaly);
        input.set(e.values, i * width);
        trainer.observe(ids[i], e.values);
      }
      const forecasts = await model.step(ids, input, ts);
      for (let i = 0; i < streams; i++) {
        served[i].push({ ts, values: input.slice(i * width, (i + 1) * width), anomaly: anomaly[i], forecast: forecasts.slice(i * width, (i + 1) * width) });
      }
      await trainer.trainIfDue();
    }
  } finally {
    await model.dispose();
  }
  const minutes = minuteSums(served, 0);
  return { minutes: [...minutes.values()].map((r) => r.model / r.naive), ...summarise(minutes), published: trainer.versions.length - 1 };
}
