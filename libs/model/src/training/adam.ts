import { TrainingError } from '../errors';
import { tf } from '../tfjs/backend';

export interface AdamOptions {
  /** Default 1e-3 (Keras). */
  readonly learningRate?: number;
  /** Default 0.9. */
  readonly beta1?: number;
  /** Default 0.999. */
  readonly beta2?: number;
  /** Default 1e-7 (Keras; PyTorch uses 1e-8). */
  readonly epsilon?: number;
}

/**
 * Adam's full state, exportable as plain arrays so the trainer can checkpoint it with the bundle
 * and resume without the bias-correction restarting from step 0.
 */
export interface AdamState {
  /** Updates applied so far (Keras `iterations`). */
  readonly step: number;
  /** First moments by weight name (same names and sizes as the bundle's tensors). */
  readonly m: Readonly<Record<string, Float32Array>>;
  /** Second moments by weight name. */
  readonly v: Readonly<Record<string, Float32Array>>;
}

/**
 * Adam as Keras 3 applies it: lr_t = lr·sqrt(1-β2^t)/(1-β1^t); w -= lr_t·m/(sqrt(v)+ε).
 * Implemented here rather than with tf.train.adam so the state is named, synchronous to export,
 * and identical to Keras's update.
 */
export class Adam {
  private step: number;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly lr: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;

  constructor(variables: ReadonlyMap<string, tf.Variable>, options: AdamOptions = {}, state?: AdamState) {
    this.lr = options.learningRate ?? 1e-3;
    this.b1 = options.beta1 ?? 0.9;
    this.b2 = options.beta2 ?? 0.999;
    this.eps = options.epsilon ?? 1e-7;
    this.step = state?.step ?? 0;
    // Every saved moment is checked before any variable is made: a state that does not fit these
    // weights must not leave the moments made so far behind.
    for (const [name, variable] of variables) {
      for (const [which, saved] of [['m', state?.m[name]], ['v', state?.v[name]]] as const) {
        if (saved !== undefined && saved.length !== variable.size) {
          throw new TrainingError(`optimizer state ${which}[${JSON.stringify(name)}] has ${saved.length} values, the weight has ${variable.size}`);
        }
        if (state !== undefined && saved === undefined) throw new TrainingError(`optimizer state lacks ${which}[${JSON.stringify(name)}]`);
      }
    }
    const init = (variable: tf.Variable, saved: Float32Array | undefined): tf.Variable => tf.tidy(() => tf.variable(saved ? tf.tensor(saved, variable.shape) : tf.zerosLike(variable), false));
    for (const [name, variable] of variables) {
      this.m.set(name, init(variable, state?.m[name]));
      this.v.set(name, init(variable, state?.v[name]));
    }
  }

  /** Applies one update from gradients by weight name. */
  apply(variables: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>): void {
    this.step += 1;
    const t = this.step;
    const lrT = (this.lr * Math.sqrt(1 - this.b2 ** t)) / (1 - this.b1 ** t);
    tf.tidy(() => {
      for (const [name, variable] of variables) {
        const g = grads.get(name)!;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, this.b1), tf.mul(g, 1 - this.b1)));
        v.assign(tf.add(tf.mul(v, this.b2), tf.mul(tf.square(g), 1 - this.b2)));
        variable.assign(tf.sub(variable, tf.mul(lrT, tf.div(m, tf.add(tf.sqrt(v), this.eps)))));
      }
    });
  }

  exportState(): AdamState {
    const read = (map: Map<string, tf.Variable>): Record<string, Float32Array> =>
      Object.fromEntries([...map].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
    return { step: this.step, m: read(this.m), v: read(this.v) };
  }

  dispose(): void {
    for (const v of [...this.m.values(), ...this.v.values()]) v.dispose();
    this.m.clear();
    this.v.clear();
  }
}
