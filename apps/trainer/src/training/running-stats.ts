import type { Normalization } from '@streamcell/model';

/** Smallest std frozen into a bundle: a constant feature must not divide by ~0. */
export const MIN_STD = 1e-3;

export interface RunningStatsState {
  readonly count: number;
  readonly mean: readonly number[];
  /** Sum of squared deviations from the mean (Welford's M2), per feature. */
  readonly m2: readonly number[];
}

/**
 * Per-feature mean and variance estimated online with Welford's algorithm (numerically stable in
 * one pass: no sum of squares that cancels catastrophically for large means). Each published
 * version freezes the current estimate into its spec's normalisation.
 */
export class RunningStats {
  private count = 0;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;

  constructor(readonly width: number, state?: RunningStatsState) {
    this.mean = new Float64Array(width);
    this.m2 = new Float64Array(width);
    if (state !== undefined) {
      if (state.mean.length !== width || state.m2.length !== width) {
        throw new Error(`normalisation statistics have width ${state.mean.length}, the model's input width is ${width}`);
      }
      this.count = state.count;
      this.mean.set(state.mean);
      this.m2.set(state.m2);
    }
  }

  get samples(): number {
    return this.count;
  }

  add(values: ArrayLike<number>): void {
    this.count += 1;
    for (let j = 0; j < this.width; j++) {
      const x = values[j];
      const delta = x - this.mean[j];
      this.mean[j] += delta / this.count;
      this.m2[j] += delta * (x - this.mean[j]);
    }
  }

  /** The estimate as a spec normalisation: population std, floored at MIN_STD; mean 0 / std 1 before any data. */
  freeze(): Normalization {
    const mean: number[] = [];
    const std: number[] = [];
    for (let j = 0; j < this.width; j++) {
      mean.push(this.count === 0 ? 0 : this.mean[j]);
      std.push(this.count < 2 ? 1 : Math.max(MIN_STD, Math.sqrt(this.m2[j] / this.count)));
    }
    return { mean, std };
  }

  exportState(): RunningStatsState {
    return { count: this.count, mean: [...this.mean], m2: [...this.m2] };
  }
}
