import type { WeightsBundle } from '../../bundle/bundle';
import { tf, useTfjsBackend } from '../../tfjs/backend';
import { tfStep, type TfWeights, weightsToTensors } from '../../tfjs/cells';
import type { ResolvedSpec } from '../../spec/spec';
import { stateTensors } from '../../spec/shapes';
import type { TfjsBackendName } from '../config';
import type { StepKernel } from '../kernel';

/**
 * TF.js kernel: the same cell ops the trainer differentiates, run forward. Weights live as
 * tensors on the backend; each step builds its tensors inside tidy() and reads results back, so
 * tf.memory().numTensors is unchanged by a step.
 */
export class TfjsKernel implements StepKernel {
  readonly label: string;
  private weights: TfWeights | null = null;
  private owned: tf.Tensor[] = [];
  private spec!: ResolvedSpec;
  private output: Float32Array = new Float32Array(0);

  private constructor(private readonly backend: TfjsBackendName) {
    this.label = `tfjs-${backend}`;
  }

  static async create(bundle: WeightsBundle, backend: TfjsBackendName): Promise<TfjsKernel> {
    await useTfjsBackend(backend);
    const kernel = new TfjsKernel(backend);
    await kernel.load(bundle);
    return kernel;
  }

  async load(bundle: WeightsBundle): Promise<void> {
    await useTfjsBackend(this.backend);
    const owned: tf.Tensor[] = [];
    const weights = weightsToTensors(bundle, (_, t) => {
      owned.push(t);
      return t;
    });
    this.release();
    this.weights = weights;
    this.owned = owned;
    this.spec = bundle.spec;
  }

  async run(input: Float32Array, states: Float32Array[], batch: number): Promise<Float32Array> {
    // Another kernel (or the trainer) may have switched the process-wide backend.
    if (tf.getBackend() !== this.backend) await useTfjsBackend(this.backend);
    const spec = this.spec;
    const weights = this.weights!;
    const sizes = stateTensors(spec).map((s) => s.size);
    const outs = tf.tidy(() => {
      const x = tf.tensor2d(input.subarray(0, batch * spec.inputWidth), [batch, spec.inputWidth]);
      const st = states.map((s, i) => tf.tensor2d(s.subarray(0, batch * sizes[i]), [batch, sizes[i]]));
      const r = tfStep(spec, weights, x, st);
      return [r.y, ...r.states];
    });
    try {
      const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
      data.slice(1).forEach((d, i) => states[i].set(d));
      this.output = data[0]!;
      return this.output;
    } finally {
      for (const t of outs) t.dispose();
    }
  }

  dispose(): void {
    this.release();
    this.weights = null;
  }

  private release(): void {
    for (const t of this.owned) t.dispose();
    this.owned = [];
  }
}
