import type { WeightsBundle } from '../bundle/bundle';
import { ReferenceKernel } from '../engines/reference/kernel';
import { type SequenceData, toStepMajor } from './data';
import { hostLossSum, type LossName } from './losses';

export interface EvaluateOptions {
  /** Default 'mse'. */
  readonly loss?: LossName;
  /** Leading steps per stream excluded from the loss (state warm-up). Default 0. */
  readonly warmupSteps?: number;
}

/**
 * Mean loss of a bundle over held-out sequences (in the model's normalised space, as training
 * reports it), run on the reference kernel: cheap, dependency-free, and equal to the other engines
 * to 1e-5. The trainer uses it to compare a candidate with the serving version.
 */
export function evaluateLoss(bundle: WeightsBundle, data: SequenceData, options: EvaluateOptions = {}): number {
  const spec = bundle.spec;
  const { xs, ys, initial } = toStepMajor(spec, data);
  const kernel = new ReferenceKernel(bundle);
  const warmup = options.warmupSteps ?? 0;
  const n = data.streams * spec.head.units;
  let sum = 0;
  let count = 0;
  for (let t = 0; t < xs.length; t++) {
    const y = kernel.run(xs[t], initial, data.streams);
    if (t < warmup) continue;
    sum += hostLossSum(options.loss ?? 'mse', y, ys[t], n);
    count += n;
  }
  return count === 0 ? NaN : sum / count;
}
