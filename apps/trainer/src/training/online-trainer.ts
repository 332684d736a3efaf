import {
  forecastFeatures,
  sameArchitecture,
  SeededRandom,
  trainTbptt,
  type AdamState,
  type TrainOptions,
  type WeightsBundle,
} from '@streamcell/model';
import { isModelNumber } from '@streamcell/events';
import { batchData, carryStates, planBatch, planValidation } from './batch-plan';
import type { TrainerCheckpoint, TrainerCounters } from './checkpoint';
import { scoreVersion } from './evaluation';
import { candidateMetrics, decidePublish, shouldRevert } from './publish-decision';
import { RoundTally, type Evaluated, type RoundReport } from './round-tally';
import { RunningStats } from './running-stats';
import { StreamWindows } from './stream-windows';
import { trainOptions, type TrainerPorts, type TrainingSettings } from './trainer-ports';

export type { RoundOutcome, RoundReport } from './round-tally';
export type { PublishResult, TrainerPorts, TrainingSettings } from './trainer-ports';

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
  private readonly elapsed: () => number;

  constructor(
    private readonly settings: TrainingSettings,
    private readonly ports: TrainerPorts,
  ) {
    this.windows = new StreamWindows({ windowSize: settings.windowSize, maxStreams: settings.maxStreams, scalingHalfLife: settings.scalingHalfLife });
    this.stats = new RunningStats(settings.inputWidth);
    this.rng = new SeededRandom(settings.seed);
    this.now = ports.now === undefined ? () => Date.now() : () => ports.now!();
    this.elapsed = ports.elapsed === undefined ? () => performance.now() : () => ports.elapsed!();
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
   * The head of the model changed (the registry says so). Our own publications only move the
   * head; a version someone else published (import, rollback, a pin) becomes the new base of
   * training: the working weights and Adam's moments are dropped, and carried states too if the
   * architecture changed. The same version again is ignored.
   */
  adoptHead(bundle: WeightsBundle, own = false): 'ignored' | 'own' | 'adopted' {
    if (this.headBundle !== null && bundle.version === this.headBundle.version) return 'ignored';
    const previous = this.working;
    if (bundle.spec.inputWidth !== this.settings.inputWidth) {
      throw new Error(`model ${bundle.name} v${bundle.version} has input width ${bundle.spec.inputWidth}, INPUT_WIDTH is ${this.settings.inputWidth}`);
    }
    this.headBundle = bundle;
    // The windows' scalers must follow the rule the served spec uses (an import may differ from
    // the bootstrap settings); statistics already held adapt at the new rate from here on.
    if (bundle.spec.streamScaling !== null) this.windows.scalingHalfLife = bundle.spec.streamScaling.halfLife;
    if (own && previous !== null) return 'own';
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

  /** Holdout: the most recent ceil(fraction × window size) events of each stream. */
  get holdoutSteps(): number {
    return Math.ceil(this.settings.holdoutFraction * this.settings.windowSize);
  }

  /**
   * One round: train on the windows, judge the candidate against the head and the baselines on
   * the holdout, then publish it, or count a rejection (and maybe revert), and checkpoint.
   */
  async runRound(): Promise<RoundReport> {
    if (this.running) throw new Error('a training round is already running');
    const head = this.headBundle;
    if (head === null || this.working === null) throw new Error('no model to train yet');
    this.running = true;
    try {
      const tally = this.beginRound();
      if (forecastFeatures(this.working.spec) === null) {
        throw new Error(`model ${this.working.name} v${this.working.version} has output kind 'raw': no target in the event stream to train it on`);
      }
      const failure = await this.train(head, tally);
      if (failure !== null) return await this.finish(tally.report('failed', `training failed, restarting from v${head.version}: ${failure}`));
      if (this.headBundle !== head) return await this.finish(tally.report('skipped', `v${this.headBundle?.version} was published during the round`));
      const h = this.holdoutSteps;
      const needed = `${this.settings.k2 + h + 1} events`;
      if (tally.iterations === 0) return await this.finish(tally.report('skipped', `no stream has ${needed} yet (k2 + holdout + 1)`));
      const evaluated = await this.evaluate(head);
      if (evaluated === null) return await this.finish(tally.report('skipped', `no stream has ${needed} to validate on`));
      if (this.headBundle !== head) return await this.finish(tally.report('skipped', `v${this.headBundle?.version} was published during the round`, evaluated));
      const decision = decidePublish(evaluated.candidate, evaluated.serving, { margin: this.settings.publishMargin, maxWorseShare: this.settings.maxWorseShare });
      if (!decision.publish) return await this.finish(tally.report('rejected', this.reject(head, decision.reason), evaluated));
      return await this.finish(await this.publish(head, tally, evaluated, decision.reason));
    } finally {
      this.running = false;
    }
  }

  private beginRound(): RoundTally {
    const started = this.now();
    this.eventsSinceRound = 0;
    this.lastRoundAt = started;
    this.counters.rounds += 1;
    return new RoundTally(this.counters.rounds, this.elapsed);
  }

  /**
   * The round's TBPTT iterations on the working weights; null when done, or why it diverged (the
   * working weights then restart from the head).
   */
  private async train(head: WeightsBundle, tally: RoundTally): Promise<string | null> {
    // A version's normalisation, if any, stays as it was published: statistics shared by every
    // stream would let the largest streams set every other stream's scale. Bootstrapped models
    // scale per stream instead (spec.streamScaling), which the windows reproduce.
    let working = this.working!;
    let optimizer = this.optimizer;
    const s = this.settings;
    const train = this.ports.train?.bind(this.ports) ?? ((b: WeightsBundle, d: Parameters<typeof trainTbptt>[1], o: TrainOptions) => trainTbptt(b, d, o));
    try {
      for (let i = 0; i < s.iterations; i++) {
        const batch = planBatch(this.windows.all(), { steps: s.k2, holdout: this.holdoutSteps, batchSize: s.batchSize }, this.rng);
        if (batch.length === 0) break;
        const result = await train(working, batchData(batch, working, s.k2, s.k2), trainOptions(s, optimizer));
        // Someone else published while this iteration ran (adoptHead reset the base): what it
        // trained descends from the old base and its states may not fit the new architecture.
        if (this.headBundle !== head) return null;
        working = result.bundle;
        optimizer = result.optimizerState;
        carryStates(batch, working, result.finalStates, s.k2, tally.round);
        tally.addIteration(result.losses);
        this.counters.iterations += 1;
        this.counters.updates += result.losses.length;
        await this.ports.yieldToEventLoop();
      }
    } catch (e) {
      // Diverged (non-finite loss or weights): start again from the serving version.
      this.working = this.headBundle;
      this.optimizer = undefined;
      return e instanceof Error ? e.message : String(e);
    }
    if (this.headBundle !== head) return null;
    this.working = working;
    this.optimizer = optimizer;
    return null;
  }

  /** The candidate and the serving version on the same held-out events; null without enough data. */
  private async evaluate(head: WeightsBundle): Promise<Evaluated | null> {
    const s = this.settings;
    const validation = planValidation(this.windows.all(), { warm: s.k2, holdout: this.holdoutSteps, seasonalPeriod: s.seasonalPeriod, maxStreams: MAX_VALIDATION_STREAMS });
    if (validation === null) return null;
    const serving = scoreVersion(head, validation);
    await this.ports.yieldToEventLoop();
    return { candidate: scoreVersion(this.working!, validation), serving };
  }

  /** Counts a rejection; after too many in a row, training restarts from the head. Returns the reason. */
  private reject(head: WeightsBundle, reason: string): string {
    this.counters.rejected += 1;
    this.counters.consecutiveRejections += 1;
    if (!shouldRevert(this.counters.consecutiveRejections, this.settings.revertAfterRejections)) return reason;
    this.working = head;
    this.optimizer = undefined;
    this.counters.consecutiveRejections = 0;
    return `${reason}; ${this.settings.revertAfterRejections} rejections in a row: restarting from v${head.version}`;
  }

  /** Hands the candidate to the registry, which numbers it (or refuses it if the head moved). */
  private async publish(head: WeightsBundle, tally: RoundTally, evaluated: Evaluated, reason: string): Promise<RoundReport> {
    const working = this.working!;
    const draft: WeightsBundle = {
      ...working,
      name: head.name,
      parentVersion: head.version,
      metrics: candidateMetrics(evaluated.candidate, evaluated.serving, { trainLoss: tally.trainLoss, round: tally.round, updates: this.counters.updates, events: this.counters.events }),
      createdAt: new Date(this.now()).toISOString(),
    };
    const result = await this.ports.publish(draft, head);
    if ('superseded' in result) return tally.report('skipped', `candidate not published: ${result.superseded}`, evaluated);
    const published = result.published;
    // The head may already have moved past it (a rollback right after): then that is the base.
    if (this.headBundle === head || this.headBundle?.version === published.version) {
      this.headBundle = published;
      this.working = published;
    }
    this.counters.published += 1;
    this.counters.consecutiveRejections = 0;
    return tally.report('published', reason, evaluated, published.version);
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
}
