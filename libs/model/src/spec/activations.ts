/**
 * Activations by their Keras names, as scalar functions for the reference kernel. The TF.js and
 * ONNX compilers map the same names to their own ops; keeping the list in one place keeps the three
 * runtimes in step.
 */
export const ACTIVATIONS = [
  'linear',
  'tanh',
  'sigmoid',
  // tf.keras 2 / TF.js definition: clip(0.2x + 0.5, 0, 1).
  'hard_sigmoid',
  // Keras 3 redefined hard_sigmoid as relu6(x + 3) / 6 = clip(x/6 + 0.5, 0, 1); the Keras importer
  // maps Keras-3 topologies to this name so imported models keep their meaning.
  'hard_sigmoid_keras3',
  'relu',
  'elu',
  'softsign',
  'softplus',
  'exponential',
] as const;

export type ActivationName = (typeof ACTIVATIONS)[number];

export function isActivationName(value: unknown): value is ActivationName {
  return typeof value === 'string' && (ACTIVATIONS as readonly string[]).includes(value);
}

/** In-place activation over `buf[from, to)`. In place and ranged so the kernel never allocates. */
export function applyActivation(name: ActivationName, buf: Float32Array, from: number, to: number): void {
  switch (name) {
    case 'linear':
      return;
    case 'tanh':
      for (let i = from; i < to; i++) buf[i] = Math.tanh(buf[i]);
      return;
    case 'sigmoid':
      for (let i = from; i < to; i++) buf[i] = 1 / (1 + Math.exp(-buf[i]));
      return;
    case 'hard_sigmoid':
      for (let i = from; i < to; i++) buf[i] = Math.min(1, Math.max(0, 0.2 * buf[i] + 0.5));
      return;
    case 'hard_sigmoid_keras3':
      for (let i = from; i < to; i++) buf[i] = Math.min(1, Math.max(0, buf[i] / 6 + 0.5));
      return;
    case 'relu':
      for (let i = from; i < to; i++) buf[i] = Math.max(0, buf[i]);
      return;
    case 'elu':
      for (let i = from; i < to; i++) {
        const v = buf[i];
        buf[i] = v > 0 ? v : Math.expm1(v);
      }
      return;
    case 'softsign':
      for (let i = from; i < to; i++) buf[i] = buf[i] / (1 + Math.abs(buf[i]));
      return;
    case 'softplus':
      // log1p(exp(-|x|)) + max(x, 0) avoids overflow for large x.
      for (let i = from; i < to; i++) {
        const v = buf[i];
        buf[i] = Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);
      }
      return;
    case 'exponential':
      for (let i = from; i < to; i++) buf[i] = Math.exp(buf[i]);
      return;
  }
}
