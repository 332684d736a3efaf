import type { AdamState, TfjsBackendName, TrainingEngine, TrainOptions, TrainResult, WeightsBundle } from '@streamcell/model';
import type { TrainerCheckpoint } from './checkpoint';
import type { LossName, Sequences } from './evaluation';

/** What the training loop needs from the configuration (TrainerConfig satisfies it). */
export interface TrainingSettings {
  readonly modelName: string;
  readonly inputWidth: number;
  readonly windowSize: number;
  readonly maxStreams: number;
  readonly trainEveryEvents: number;
  readonly trainEverySeconds: number;
  readonly iterations: number;
  readonly k1: number;
  readonly k2: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly clipNorm: number;
  readonly loss: LossName;
  readonly holdoutFraction: number;
  readonly publishMargin: number;
  /** Largest share of validation streams a candidate may make worse than last-value. */
  readonly maxWorseShare: number;
  /** Seasonal-naive period in events for the publish gate; 0 = none. */
  readonly seasonalPeriod: number;
  /** Half-life (events) of the per-stream scaler the windows keep (the bootstrap spec's). */
  readonly scalingHalfLife: number;
  readonly revertAfterRejections: number;
  readonly backend: TfjsBackendName;
  /** Training engine (libs/model trainTbptt `engine`) and its ORT threads. Default onnx, 1. */
  readonly trainingEngine?: TrainingEngine;
  readonly trainingThreads?: number;
  readonly seed: number;
}

/** The outside world of the loop: Kafka in the service, fakes in unit tests. */
export interface TrainerPorts {
  /**
   * Publishes a candidate trained from `base` (the head it was judged against). The registry
   * numbers it: resolves with the bundle as published, or with the reason it was not (the head
   * moved or is pinned meanwhile).
   */
  publish(candidate: WeightsBundle, base: WeightsBundle): Promise<PublishResult>;
  /** Writes a checkpoint; resolves once durable. */
  checkpoint(c: TrainerCheckpoint): Promise<void>;
  /** Lets the event loop run (consumer fetches, heartbeats, metrics) between iterations. */
  yieldToEventLoop(): Promise<void>;
  /** Training step; libs/model's trainTbptt unless a test substitutes it. */
  train?(bundle: WeightsBundle, data: Sequences & { initialStates: Float32Array[] }, options: TrainOptions): Promise<TrainResult>;
  /** Clock (ms) that schedules rounds and stamps bundles: wall time in the service, stream time in a replay. Default Date.now. */
  now?(): number;
  /**
   * Monotonic stopwatch (ms) that times rounds (RoundReport.durationMs). Separate from `now`: a
   * replay's stream time stands still while a round runs, and a round must not report 0 ms.
   * Default performance.now.
   */
  elapsed?(): number;
}

export type PublishResult = { readonly published: WeightsBundle } | { readonly superseded: string };

/** One TBPTT iteration's options: the settings, and Adam's moments carried from the last one. */
export function trainOptions(s: TrainingSettings, optimizer: AdamState | undefined): TrainOptions {
  return {
    k1: s.k1,
    k2: s.k2,
    loss: s.loss,
    learningRate: s.learningRate,
    ...(s.clipNorm > 0 ? { clipNorm: s.clipNorm } : {}),
    backend: s.backend,
    engine: s.trainingEngine ?? 'onnx',
    threads: s.trainingThreads ?? 1,
    ...(optimizer !== undefined ? { optimizerState: optimizer } : {}),
    modelSpace: true,
  };
}
