import {
  createBundle,
  forecastFeatures,
  sameArchitecture,
  SeededRandom,
  trainTbptt,
  type AdamState,
  type TfjsBackendName,
  type TrainOptions,
  type TrainResult,
  type WeightsBundle,
} from '@streamcell/model';
import { isModelNumber } from '@streamcell/events';
import { batchData, carryStates, planBatch } from './batch-plan';
import type { TrainerCheckpoint, TrainerCounters } from './checkpoint';
import { scoreVersion, type LossName, type QualitySummary, type Sequences, type ValidationSet } from './evaluation';
import { decidePublish } from './publish-decision';
import { RunningStats } from './running-stats';
import { StreamWindows } from './stream-windows';

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
  readonly seed: number;
}

/** The outside world of the loop: Kafka in the service, fakes in unit tests. */
export interface TrainerPorts {
  /** Writes a bundle as the new head; resolves once durable. */
  publish(bundle: WeightsBundle): Promise<void>;
  /** Writes a checkpoint; resolves once durable. */
  checkpoint(c: TrainerCheckpoint): Promise<void>;
  /** Lets the event loop run (consumer fetches, heartbeats, metrics) between iterations. */
  yieldToEventLoop(): Promise<void>;
  /** Training step; libs/model's trainTbptt unless a test substitutes it. */
  train?(bundle: WeightsBundle, data: Sequences & { initialStates: Float32Array[] }, options: TrainOptions): Promise<TrainResult>;
  /** Clock (ms). */
  now?(): number;
}

export type RoundOutcome = 'published' | 'rejected' | 'skipped' | 'failed';

export interface RoundReport {
  readonly outcome: RoundOutcome;
  readonly reason: string;
  readonly iterations: number;
  readonly updates: number;
  /** Mean training loss of the round's updates (model space); NaN without updates. */
  readonly trainLoss: number;
  /** Candidate's median error ratio to last-value on the holdout; NaN when not evaluated. */
  readonly validationLoss: number;
  /** Serving version's median error ratio to last-value on the same data; NaN when not evaluated. */
  readonly currentLoss: number;
  /** The candidate's and the serving version's figures against the baselines, when evaluated. */
  readonly quality: { readonly candidate: QualitySummary; readonly serving: QualitySummary } | undefined;
  /** The version published, if any. */
  readonly version: number | undefined;
  readonly durationMs: number;
  readonly validationStreams: number;
  readonly checkpointError: Error | undefined;
}

export type ObserveResult = 'ok' | 'ended' | 'width' | 'not_finite';

/** Most streams used to compare candidate and serving version (bounds the evaluation cost). */
const MAX_VALIDATION_STREAMS = 128;

/**
 * The online training loop, free of Kafka: events go in (`observe`), rounds of truncated BPTT run
 * on the recent windows (`runRound`), and a round's candidate is published only if it beats
 * last-value and the serving version on held-out recent data, stream by stream (publish-decision). The working weights keep learning across rejected
 * rounds (they may beat the head later); after `revertAfterRejections` rejections in a row they
 * restart from the head.
 */
export class OnlineTrainer {
  readonly windows: StreamWindows;
  private stats: RunningStats;
  private headBundle: WeightsBundle | null = null;
  private working: WeightsBundle | null = null;
  private optimizer: AdamState | undefined;
  private readonly rng: SeededRandom;
  private readonly ownVersions = new Set<number>();
  private counters: { -readonly [K in keyof TrainerCounters]: TrainerCounters[K] } = {
    rounds: 0,
    iterations: 0,
    updates: 0,
    published: 0,
    rejected: 0,
    events: 0,
    consecutiveRejections: 0,
  };
  private eventsSinceRound = 0;
  private lastRoundAt: number;
  private running = false;
  private readonly now: () => number;

  constructor(
    private readonly settings: TrainingSettings,
    private readonly ports: TrainerPorts,
  ) {
    this.windows = new StreamWindows({ windowSize: settings.windowSize, maxStreams: settings.maxStreams, scalingHalfLife: settings.scalingHalfLife });
    this.stats = new RunningStats(settings.inputWidth);
    this.rng = new SeededRandom(settings.seed);
    this.now = ports.now === undefined ? () => Date.now() : () => ports.now!();
    this.lastRoundAt = this.now();
  }

  get head(): WeightsBundle | null {
    return this.headBundle;
  }

  get isRoundRunning(): boolean {
    return this.running;
  }

  get stepCounters(): TrainerCounters {
    return { ...this.counters };
  }

  /** Takes one event into its stream's window. `values === null` means the stream ended. */
  observe(stream: string, values: readonly number[] | null): ObserveResult {
    if (values === null) {
      this.windows.remove(stream);
      return 'ended';
    }
    if (values.length !== this.settings.inputWidth) return 'width';
    // The same rule as ingest's validation (libs/events): within float32's range, NaN excluded.
    if (!values.every(isModelNumber)) return 'not_finite';
    const row = Float32Array.from(values);
    this.stats.add(row);
    this.windows.add(stream, row);
    this.counters.events += 1;
    this.eventsSinceRound += 1;
    return 'ok';
  }

  /** A round is due after trainEveryEvents new events, or trainEverySeconds with at least one. */
  isRoundDue(): boolean {
    if (this.running || this.headBundle === null || this.eventsSinceRound === 0) return false;
    return this.eventsSinceRound >= this.settings.trainEveryEvents || this.now() - this.lastRoundAt >= this.settings.trainEverySeconds * 1000;
  }

  /**
   * A version of the model appeared on model.weights. Our own publications only move the head; a
   * version someone else published (import, rollback) becomes the new base of training: the
   * working weights and Adam's moments are dropped, and carried states too if the architecture
   * changed. Older or equal versions are ignored.
   */
  adoptHead(bundle: WeightsBundle): 'ignored' | 'own' | 'adopted' {
    if (this.headBundle !== null && bundle.version <= this.headBundle.version) return 'ignored';
    const previous = this.working;
    if (bundle.spec.inputWidth !== this.settings.inputWidth) {
      throw new Error(`model ${bundle.name} v${bundle.version} has input width ${bundle.spec.inputWidth}, INPUT_WIDTH is ${this.settings.inputWidth}`);
    }
    this.headBundle = bundle;
    // The windows' scalers must follow the rule the served spec uses (an import may differ from
    // the bootstrap settings); statistics already held adapt at the new rate from here on.
    if (bundle.spec.streamScaling !== null) this.windows.scalingHalfLife = bundle.spec.streamScaling.halfLife;
    if (this.ownVersions.has(bundle.version) && previous !== null) return 'own';
    this.working = bundle;
    this.optimizer = undefined;
    this.counters.consecutiveRejections = 0;
    if (previous !== null && !sameArchitecture(previous.spec, bundle.spec)) this.windows.resetStates();
    return 'adopted';
  }

  /**
   * Resumes from a checkpoint, given the head currently on model.weights. The checkpoint's weights
   * and optimiser state are used only if they descend from that head; statistics and counters are
   * always restored.
   */
  restore(c: TrainerCheckpoint): 'resumed' | 'stats-only' {
    if (c.stats.mean.length === this.settings.inputWidth) this.stats = new RunningStats(this.settings.inputWidth, c.stats);
    this.counters = { ...c.counters };
    const head = this.headBundle;
    if (head !== null && c.headVersion === head.version && sameArchitecture(c.working.spec, head.spec)) {
      this.working = c.working;
      this.optimizer = c.optimizer;
      return 'resumed';
    }
    return 'stats-only';
  }

  checkpointNow(): TrainerCheckpoint | null {
    if (this.headBundle === null || this.working === null) return null;
    return {
      modelName: this.settings.modelName,
      headVersion: this.headBundle.version,
      working: this.working,
      optimizer: this.optimizer,
      stats: this.stats.exportState(),
      counters: { ...this.counters },
      createdAt: new Date(this.now()).toISOString(),
    };
  }

  /** Marks a version as published by this trainer (bootstrap), so its echo is not re-adopted. */
  markOwn(version: number): void {
    this.ownVersions.add(version);
  }

  /** Holdout: the most recent ceil(fraction × window size) events of each stream. */
  get holdoutSteps(): number {
    return Math.ceil(this.settings.holdoutFraction * this.settings.windowSize);
  }

  async runRound(): Promise<RoundReport> {
    if (this.running) throw new Error('a training round is already running');
    const head = this.headBundle;
    if (head === null || this.working === null) throw new Error('no model to train yet');
    this.running = true;
    const started = this.now();
    this.eventsSinceRound = 0;
    this.lastRoundAt = started;
    this.counters.rounds += 1;
    const round = this.counters.rounds;
    let iterations = 0;
    let updates = 0;
    let lossSum = 0;
    const report = (outcome: RoundOutcome, reason: string, extra: Partial<RoundReport> = {}): RoundReport => ({
      outcome,
      reason,
      iterations,
      updates,
      trainLoss: updates === 0 ? Number.NaN : lossSum / updates,
      validationLoss: Number.NaN,
      currentLoss: Number.NaN,
      quality: undefined,
      version: undefined,
      durationMs: this.now() - started,
      validationStreams: 0,
      checkpointError: undefined,
      ...extra,
    });
    try {
      if (forecastFeatures(this.working.spec) === null) {
        throw new Error(`model ${this.working.name} v${this.working.version} has output kind 'raw': no target in the event stream to train it on`);
      }
      // A version's normalisation, if any, stays as it was published: statistics shared by every
      // stream would let the largest streams set every other stream's scale. Bootstrapped models
      // scale per stream instead (spec.streamScaling), which the windows reproduce.
      let working = this.working;
      const h = this.holdoutSteps;
      const s = this.settings.k2;
      const substitute = this.ports.train?.bind(this.ports);
      const train = substitute ?? ((b: WeightsBundle, d: Parameters<typeof trainTbptt>[1], o: TrainOptions) => trainTbptt(b, d, o));
      try {
        for (let i = 0; i < this.settings.iterations; i++) {
          const batch = planBatch(this.windows.all(), { steps: s, holdout: h, batchSize: this.settings.batchSize }, this.rng);
          if (batch.length === 0) break;
          const data = batchData(batch, working, s, this.settings.k2);
          const result = await train(working, data, {
            k1: this.settings.k1,
            k2: this.settings.k2,
            loss: this.settings.loss,
            learningRate: this.settings.learningRate,
            ...(this.settings.clipNorm > 0 ? { clipNorm: this.settings.clipNorm } : {}),
            backend: this.settings.backend,
            ...(this.optimizer !== undefined ? { optimizerState: this.optimizer } : {}),
            modelSpace: true,
          });
          working = result.bundle;
          this.optimizer = result.optimizerState;
          carryStates(batch, working, result.finalStates, s, round);
          iterations += 1;
          updates += result.losses.length;
          lossSum += result.losses.reduce((a, b) => a + b, 0);
          this.counters.iterations += 1;
          this.counters.updates += result.losses.length;
          await this.ports.yieldToEventLoop();
        }
      } catch (e) {
        // Diverged (non-finite loss or weights): start again from the serving version.
        this.working = this.headBundle;
        this.optimizer = undefined;
        return await this.finish(report('failed', `training failed, restarting from v${head.version}: ${e instanceof Error ? e.message : String(e)}`));
      }
      this.working = working;
      if (iterations === 0) return await this.finish(report('skipped', `no stream has ${s + h + 1} events yet (k2 + holdout + 1)`));

      const validation = this.validationSet(h);
      if (validation === null) return await this.finish(report('skipped', `no stream has ${s + h + 1} events to validate on`));
      const serving = scoreVersion(head, validation);
      await this.ports.yieldToEventLoop();
      const candidateQuality = scoreVersion(working, validation);
      const candidateLoss = candidateQuality.medianRatio;
      const currentLoss = serving.medianRatio;
      const evaluated = { validationLoss: candidateLoss, currentLoss, validationStreams: candidateQuality.streams, quality: { candidate: candidateQuality, serving } };
      const decision = decidePublish(candidateQuality, serving, { margin: this.settings.publishMargin, maxWorseShare: this.settings.maxWorseShare });
      if (this.headBundle !== head) return await this.finish(report('skipped', `v${this.headBundle?.version} was published during the round`, evaluated));
      if (!decision.publish) {
        this.counters.rejected += 1;
        this.counters.consecutiveRejections += 1;
        let reason = decision.reason;
        if (this.settings.revertAfterRejections > 0 && this.counters.consecutiveRejections >= this.settings.revertAfterRejections) {
          this.working = head;
          this.optimizer = undefined;
          this.counters.consecutiveRejections = 0;
          reason += `; ${this.settings.revertAfterRejections} rejections in a row: restarting from v${head.version}`;
        }
        return await this.finish(report('rejected', reason, evaluated));
      }
      const candidate = createBundle({
        name: head.name,
        spec: working.spec,
        tensors: working.tensors,
        version: head.version + 1,
        parentVersion: head.version,
        metrics: {
          validationLoss: candidateLoss,
          baselineLoss: currentLoss,
          trainLoss: updates === 0 ? Number.NaN : lossSum / updates,
          validationStreams: candidateQuality.streams,
          ratioToLastValue: candidateQuality.medianRatio,
          p90RatioToLastValue: candidateQuality.p90Ratio,
          worseThanLastValueShare: candidateQuality.worseShare,
          ...(candidateQuality.seasonalMedianRatio !== null ? { ratioToSeasonalNaive: candidateQuality.seasonalMedianRatio } : {}),
          round,
          updates: this.counters.updates,
          events: this.counters.events,
        },
        createdAt: new Date(this.now()).toISOString(),
      });
      this.ownVersions.add(candidate.version);
      await this.ports.publish(candidate);
      this.headBundle = candidate;
      this.working = candidate;
      this.counters.published += 1;
      this.counters.consecutiveRejections = 0;
      return await this.finish(report('published', decision.reason, { ...evaluated, version: candidate.version }));
    } finally {
      this.running = false;
    }
  }

  private async finish(r: RoundReport): Promise<RoundReport> {
    const c = this.checkpointNow();
    if (c === null) return r;
    try {
      await this.ports.checkpoint(c);
      return r;
    } catch (e) {
      return { ...r, checkpointError: e instanceof Error ? e : new Error(String(e)) };
    }
  }

  /**
   * For each stream with enough events: k2 warm-up steps, then the holdout (the newest events,
   * never trained on while they are in it); the period's worth of older events too when the gate
   * compares with seasonal-naive and the window holds them.
   */
  private validationSet(h: number): ValidationSet | null {
    const warm = this.settings.k2;
    const steps = warm + h;
    const eligible = this.windows.all().filter((w) => w.events.length >= steps + 1);
    if (eligible.length === 0 || this.working === null) return null;
    const chosen = eligible.slice(-MAX_VALIDATION_STREAMS);
    const period = this.settings.seasonalPeriod;
    // Seasonal-naive needs the event one period before each scored one: when the windows hold
    // them, the validation slice starts that much earlier (as extra warm-up, never scored).
    const extra = period > 0 ? Math.max(0, period - 1 - warm) : 0;
    const seasonal = period > 0 && chosen.every((w) => w.events.length >= steps + 1 + extra);
    const from = steps + 1 + (seasonal ? extra : 0);
    return {
      streams: chosen.map((w) => w.events.slice(w.events.length - from)),
      warm: warm + (seasonal ? extra : 0),
      period: seasonal ? period : 0,
    };
  }
}
