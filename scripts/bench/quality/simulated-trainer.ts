/**
 * The trainer in simulated stream time, shared by the quality replays (simulate.ts, start-replay.ts):
 * the service's OnlineTrainer with a publish that holds each new version back for the wall time its
 * round really took. A round that starts at stream time t and takes w seconds publishes at t + w
 * (the trainer is its own process in production; inference keeps serving the old version
 * meanwhile), and the trainer sees events in stream order.
 */
import { createBundle, type StreamingModel, type WeightsBundle } from '@streamcell/model';
import type { TrainerConfig } from '../../../apps/trainer/src/config';
import { bootstrapSpec } from '../../../apps/trainer/src/trainer.service';
import { OnlineTrainer, type RoundReport } from '../../../apps/trainer/src/training/online-trainer';

export class SimulatedTrainer {
  /** Version 1: what the trainer bootstraps (`TRAINER_BOOTSTRAP=init`). */
  readonly first: WeightsBundle;
  readonly rounds: (RoundReport & { readonly atSeconds: number })[] = [];
  /** Versions served, with the stream second each went live. */
  readonly versions: { readonly version: number; readonly atSeconds: number }[] = [{ version: 1, atSeconds: 0 }];
  private readonly trainer: OnlineTrainer;
  private readonly pending: { bundle: WeightsBundle; atMs: number }[] = [];
  private simMs = 0;
  private roundWallStart = 0;

  constructor(config: TrainerConfig, name: string) {
    this.trainer = new OnlineTrainer(config, {
      // One writer, so the next version is the base's + 1 (in the service the registry numbers it).
      publish: (draft, base) => {
        const bundle: WeightsBundle = { ...draft, version: base.version + 1, parentVersion: base.version };
        this.pending.push({ bundle, atMs: this.simMs + (performance.now() - this.roundWallStart) });
        return Promise.resolve({ published: bundle });
      },
      checkpoint: () => Promise.resolve(),
      yieldToEventLoop: () => Promise.resolve(),
      now: () => this.simMs,
    });
    this.first = createBundle({ name, spec: bootstrapSpec(config), init: { seed: config.seed }, version: 1, parentVersion: null, metrics: {} });
    this.trainer.adoptHead(this.first);
  }

  /** Moves stream time to `ms` and swaps into `model` every version published by then. */
  async advanceTo(ms: number, model: StreamingModel): Promise<void> {
    this.simMs = ms;
    while (this.pending.length > 0 && this.pending[0].atMs <= ms) {
      const next = this.pending.shift()!;
      await model.swapWeights(next.bundle);
      this.versions.push({ version: next.bundle.version, atSeconds: ms / 1000 });
    }
  }

  observe(stream: string, values: readonly number[]): void {
    this.trainer.observe(stream, values);
  }

  /** Runs a training round when one is due, timing it against the wall clock. */
  async trainIfDue(): Promise<void> {
    if (!this.trainer.isRoundDue()) return;
    this.roundWallStart = performance.now();
    const report = await this.trainer.runRound();
    this.rounds.push({ ...report, atSeconds: this.simMs / 1000 });
  }
}
