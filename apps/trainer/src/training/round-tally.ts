import type { QualitySummary } from './evaluation';

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

/** The round's evaluation, carried into its report. */
export interface Evaluated {
  readonly candidate: QualitySummary;
  readonly serving: QualitySummary;
}

/** What one round did so far (iterations, updates, loss), and its report at the end. */
export class RoundTally {
  iterations = 0;
  updates = 0;
  private lossSum = 0;
  private readonly started: number;

  /** @param elapsed monotonic stopwatch (ms) that times the round */
  constructor(
    readonly round: number,
    private readonly elapsed: () => number,
  ) {
    this.started = elapsed();
  }

  addIteration(losses: readonly number[]): void {
    this.iterations += 1;
    this.updates += losses.length;
    for (const l of losses) this.lossSum += l;
  }

  get trainLoss(): number {
    return this.updates === 0 ? Number.NaN : this.lossSum / this.updates;
  }

  report(outcome: RoundOutcome, reason: string, evaluated?: Evaluated, version?: number): RoundReport {
    return {
      outcome,
      reason,
      iterations: this.iterations,
      updates: this.updates,
      trainLoss: this.trainLoss,
      validationLoss: evaluated?.candidate.medianRatio ?? Number.NaN,
      currentLoss: evaluated?.serving.medianRatio ?? Number.NaN,
      quality: evaluated,
      version,
      durationMs: this.elapsed() - this.started,
      validationStreams: evaluated?.candidate.streams ?? 0,
      checkpointError: undefined,
    };
  }
}
