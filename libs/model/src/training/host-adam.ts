import { TrainingError } from '../errors';
import type { AdamOptions, AdamState } from './adam';

/**
 * Adam on host Float32Arrays, for the ONNX training engine: the same update and state as adam.ts
 * (Keras 3: lr_t = lr·sqrt(1−β2^t)/(1−β1^t); w −= lr_t·m/(sqrt(v)+ε)). Each element is computed in
 * double precision and stored as float32 (TF.js rounds after every op: the two agree to ~1 ulp,
 * tested in onnx/parity.test.ts); rounding after every op with Math.fround made it twice as slow.
 * ~20k weights take ~0.1 ms, against ~2 ms for one window's forward and backward pass.
 */
export class HostAdam {
  private step: number;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly lr: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;

  constructor(
    private readonly names: readonly string[],
    sizes: readonly number[],
    options: AdamOptions = {},
    state?: AdamState,
  ) {
    this.lr = options.learningRate ?? 1e-3;
    this.b1 = options.beta1 ?? 0.9;
    this.b2 = options.beta2 ?? 0.999;
    this.eps = options.epsilon ?? 1e-7;
    this.step = state?.step ?? 0;
    const init = (saved: Readonly<Record<string, Float32Array>> | undefined, which: string): Float32Array[] =>
      names.map((name, i) => {
        const given = saved?.[name];
        if (state !== undefined && given === undefined) throw new TrainingError(`optimizer state lacks ${which}[${JSON.stringify(name)}]`);
        if (given !== undefined && given.length !== sizes[i]) {
          throw new TrainingError(`optimizer state ${which}[${JSON.stringify(name)}] has ${given.length} values, the weight has ${sizes[i]}`);
        }
        return given === undefined ? new Float32Array(sizes[i]) : given.slice();
      });
    this.m = init(state?.m, 'm');
    this.v = init(state?.v, 'v');
  }

  /**
   * One update of `weights` in place from `grads` (same order as the names), each gradient
   * multiplied by `scale` first (global-norm clipping folded in, saving a pass over the gradients).
   */
  apply(weights: readonly Float32Array[], grads: readonly Float32Array[], scale = 1): void {
    this.step += 1;
    const t = this.step;
    const lrT = (this.lr * Math.sqrt(1 - this.b2 ** t)) / (1 - this.b1 ** t);
    const { b1, b2, eps } = this;
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    for (let k = 0; k < weights.length; k++) {
      const w = weights[k];
      const g = grads[k];
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] * scale;
        const mi = (m[i] = m[i] * b1 + gi * c1);
        const vi = (v[i] = v[i] * b2 + gi * gi * c2);
        w[i] -= (lrT * mi) / (Math.sqrt(vi) + eps);
      }
    }
  }

  /** The state without copying; this optimiser must not be used afterwards (trainOnnx's last step). */
  takeState(): AdamState {
    const record = (arrays: Float32Array[]): Record<string, Float32Array> => Object.fromEntries(this.names.map((n, i) => [n, arrays[i]]));
    return { step: this.step, m: record(this.m), v: record(this.v) };
  }
}

/**
 * tf.clip_by_global_norm's factor on host arrays: clip / max(‖g‖, clip), i.e. 1 when the global
 * norm is within the limit. The caller scales (HostAdam.apply's `scale`).
 */
export function globalNormScale(grads: readonly Float32Array[], clipNorm: number): number {
  let sq = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  const norm = Math.sqrt(sq);
  return norm <= clipNorm ? 1 : clipNorm / norm;
}
