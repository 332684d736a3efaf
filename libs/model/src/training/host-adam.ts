import { TrainingError } from '../errors';
import type { AdamOptions, AdamState } from './adam';

const f = Math.fround;

/**
 * Adam on host Float32Arrays, for the ONNX training engine: the same update and state as adam.ts
 * (Keras 3: lr_t = lr·sqrt(1−β2^t)/(1−β1^t); w −= lr_t·m/(sqrt(v)+ε)), rounded to float32 after
 * every operation in the order the TF.js version evaluates it, so both engines give the same
 * weights from the same gradients (to the last bit on the TF.js cpu backend). ~20k weights take
 * tens of microseconds, far below one window's forward and backward pass.
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
        return given === undefined ? new Float32Array(sizes[i]) : Float32Array.from(given);
      });
    this.m = init(state?.m, 'm');
    this.v = init(state?.v, 'v');
  }

  /** One update of `weights` in place from `grads` (same order as the names). */
  apply(weights: readonly Float32Array[], grads: readonly Float32Array[]): void {
    this.step += 1;
    const t = this.step;
    const lrT = f((this.lr * Math.sqrt(1 - this.b2 ** t)) / (1 - this.b1 ** t));
    const b1 = f(this.b1);
    const c1 = f(1 - this.b1);
    const b2 = f(this.b2);
    const c2 = f(1 - this.b2);
    const eps = f(this.eps);
    weights.forEach((w, k) => {
      const g = grads[k];
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < w.length; i++) {
        const gi = g[i];
        const mi = f(f(m[i] * b1) + f(gi * c1));
        const vi = f(f(v[i] * b2) + f(f(gi * gi) * c2));
        m[i] = mi;
        v[i] = vi;
        w[i] = f(w[i] - f(lrT * f(mi / f(f(Math.sqrt(vi)) + eps))));
      }
    });
  }

  exportState(): AdamState {
    const record = (arrays: Float32Array[]): Record<string, Float32Array> => Object.fromEntries(this.names.map((n, i) => [n, Float32Array.from(arrays[i])]));
    return { step: this.step, m: record(this.m), v: record(this.v) };
  }
}

/** tf.clip_by_global_norm on host arrays, in place: scale every gradient by clip / max(‖g‖, clip). */
export function clipByGlobalNormHost(grads: readonly Float32Array[], clipNorm: number): void {
  let sq = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  const norm = Math.sqrt(sq);
  if (norm <= clipNorm) return;
  const scale = f(clipNorm / norm);
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = f(g[i] * scale);
}
