import { tf } from '../tfjs/backend';

export type LossName = 'mse' | 'mae' | 'huber';

/** Huber's delta. Keras default 1.0. */
export const HUBER_DELTA = 1;

/** Mean loss over every element, as a TF.js scalar (differentiable). */
export function tfLoss(name: LossName, prediction: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const err = tf.sub(prediction, target);
  switch (name) {
    case 'mse':
      return tf.mean(tf.square(err));
    case 'mae':
      return tf.mean(tf.abs(err));
    case 'huber': {
      // 0.5 e² for |e| <= d, d (|e| - d/2) beyond: written with min() so the gradient is exact.
      const a = tf.abs(err);
      const q = tf.minimum(a, HUBER_DELTA);
      return tf.mean(tf.add(tf.mul(0.5, tf.square(q)), tf.mul(HUBER_DELTA, tf.sub(a, q))));
    }
  }
}

/** Same losses on the host, summed (divide by the count yourself). */
export function hostLossSum(name: LossName, prediction: Float32Array, target: Float32Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = prediction[i] - target[i];
    const a = Math.abs(e);
    switch (name) {
      case 'mse':
        sum += e * e;
        break;
      case 'mae':
        sum += a;
        break;
      case 'huber':
        sum += a <= HUBER_DELTA ? 0.5 * e * e : HUBER_DELTA * (a - 0.5 * HUBER_DELTA);
        break;
    }
  }
  return sum;
}
