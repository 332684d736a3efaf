import { Normalizer, ReferenceKernel, stateTensors, type Normalization, type WeightsBundle } from '@streamcell/model';

export type LossName = 'mse' | 'mae' | 'huber';

/** S streams × T steps, stream-major, raw units (as libs/model's SequenceData). */
export interface Sequences {
  readonly streams: number;
  readonly steps: number;
  /** [S, T, inputWidth] */
  readonly inputs: Float32Array;
  /** [S, T, headUnits] */
  readonly targets: Float32Array;
}

function pointLoss(loss: LossName, e: number): number {
  const a = Math.abs(e);
  switch (loss) {
    case 'mse':
      return e * e;
    case 'mae':
      return a;
    case 'huber':
      return a <= 1 ? 0.5 * e * e : a - 0.5;
  }
}

/** The features each head output forecasts (next-values models). */
export function outputFeatures(bundle: WeightsBundle): number[] {
  const out = bundle.spec.output;
  if (out.kind !== 'next-values') throw new Error(`model ${bundle.name} v${bundle.version} has output kind '${out.kind}': no target in the event stream to train it on`);
  return out.features !== undefined ? [...out.features] : Array.from({ length: bundle.spec.head.units }, (_, j) => j);
}

/**
 * Mean loss of `bundle` over steps >= `lossFrom` of `data`, starting every stream from a zero state.
 *
 * The comparison between the serving version and a candidate must be on the same data *and in the
 * same units*: each version normalises with the statistics frozen into it, so libs/model's
 * evaluateLoss (each model in its own normalised space) would compare different scales. Here the
 * outputs are taken back to raw units and both prediction and target are scaled with one common
 * normalisation (`common`, the candidate's), so the losses are directly comparable.
 */
export function validationLoss(bundle: WeightsBundle, data: Sequences, lossFrom: number, common: Normalization | null, loss: LossName): number {
  const spec = bundle.spec;
  const f = spec.inputWidth;
  const o = spec.head.units;
  const features = outputFeatures(bundle);
  const kernel = new ReferenceKernel(bundle);
  const norm = new Normalizer(spec);
  const s = data.streams;
  const states = stateTensors(spec).map((st) => new Float32Array(s * st.size));
  const x = new Float32Array(s * f);
  const scale = features.map((j) => (common === null ? 1 : 1 / common.std[j]));
  let sum = 0;
  let count = 0;
  try {
    for (let t = 0; t < data.steps; t++) {
      for (let r = 0; r < s; r++) x.set(data.inputs.subarray((r * data.steps + t) * f, (r * data.steps + t + 1) * f), r * f);
      norm.normalizeInput(x, x, s);
      const y = Float32Array.from(kernel.run(x, states, s).subarray(0, s * o));
      if (t < lossFrom) continue;
      norm.denormalizeOutput(y, s);
      for (let r = 0; r < s; r++) {
        for (let j = 0; j < o; j++) {
          const target = data.targets[(r * data.steps + t) * o + j];
          sum += pointLoss(loss, (y[r * o + j] - target) * scale[j]);
          count += 1;
        }
      }
    }
  } finally {
    kernel.dispose();
  }
  return count === 0 ? Number.NaN : sum / count;
}

/**
 * States after running `steps` steps of `inputs` ([S, steps, F], raw) from zeros: the burn-in for a
 * segment that does not continue a carried state. Detached by construction (plain arithmetic).
 */
export function burnInStates(bundle: WeightsBundle, streams: number, steps: number, inputs: Float32Array): Float32Array[] {
  const spec = bundle.spec;
  const f = spec.inputWidth;
  const states = stateTensors(spec).map((st) => new Float32Array(streams * st.size));
  if (steps === 0) return states;
  const kernel = new ReferenceKernel(bundle);
  const norm = new Normalizer(spec);
  const x = new Float32Array(streams * f);
  try {
    for (let t = 0; t < steps; t++) {
      for (let r = 0; r < streams; r++) x.set(inputs.subarray((r * steps + t) * f, (r * steps + t + 1) * f), r * f);
      norm.normalizeInput(x, x, streams);
      kernel.run(x, states, streams);
    }
  } finally {
    kernel.dispose();
  }
  return states;
}
