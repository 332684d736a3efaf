import type { ActivationName } from '../../spec/activations';
import type { AttributeValue, OnnxInitializer, OnnxNode } from '../../engines/onnx/proto';

/** A tensor in the graph, by name (helpers that may have nothing to produce return T | null). */
export type T = string;

/**
 * Small helper for writing ONNX graphs by hand: fresh names, constants, and the handful of
 * composite ops the training graph repeats (splits, time concatenation, activations and their
 * derivatives). Every method appends nodes and returns the name of its output.
 */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxInitializer[] = [];
  private counter = 0;
  private readonly scalars = new Map<number, string>();

  name(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  op(op: string, inputs: string[], hint: string, attributes?: Record<string, AttributeValue>): T {
    const out = this.name(hint);
    this.nodes.push({ op, inputs, outputs: [out], ...(attributes ? { attributes } : {}) });
    return out;
  }

  /** A float32 scalar constant (shared per value). */
  scalar(value: number): T {
    const known = this.scalars.get(value);
    if (known !== undefined) return known;
    const name = this.name('const');
    this.inits.push({ name, dims: [], data: Float32Array.of(value) });
    this.scalars.set(value, name);
    return name;
  }

  int64s(values: number[]): T {
    const name = this.name('ints');
    this.inits.push({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }

  split(input: T, sizes: number[], axis: number, hint: string): T[] {
    if (sizes.length === 1) return [input];
    const outs = sizes.map(() => this.name(hint));
    this.nodes.push({ op: 'Split', inputs: [input, this.int64s(sizes)], outputs: outs, attributes: { axis: { i: axis } } });
    return outs;
  }

  concat(inputs: T[], axis: number, hint: string): T {
    return inputs.length === 1 ? inputs[0] : this.op('Concat', inputs, hint, { axis: { i: axis } });
  }

  /** a·b (+ c), with optional transposes: one Gemm node (2-D only). */
  gemm(a: T, b: T, c: T | null, hint: string, transA = false, transB = false): T {
    return this.op('Gemm', c === null ? [a, b] : [a, b, c], hint, { ...(transA ? { transA: { i: 1 } } : {}), ...(transB ? { transB: { i: 1 } } : {}) });
  }

  add(a: T, b: T): T {
    return this.op('Add', [a, b], 'add');
  }

  sub(a: T, b: T): T {
    return this.op('Sub', [a, b], 'sub');
  }

  mul(a: T, b: T): T {
    return this.op('Mul', [a, b], 'mul');
  }

  /** Multiplies by an optional factor (null = 1, i.e. no node). */
  mulOpt(a: T, b: T | null): T {
    return b === null ? a : this.mul(a, b);
  }

  /** Sum of the non-null terms; null when there are none. */
  sum(terms: (T | null)[]): T | null {
    const present = terms.filter((t): t is T => t !== null);
    if (present.length === 0) return null;
    return present.reduce((acc, t) => this.add(acc, t));
  }

  /** Column sums of a 2-D tensor: [n] (bias gradients). */
  sumRows(input: T, keepDims = false): T {
    return this.op('ReduceSum', [input, this.int64s([0])], 'rsum', { keepdims: { i: keepDims ? 1 : 0 } });
  }

  /** Keras activation, same ops as the inference graph (engines/onnx/graph.ts). */
  act(name: ActivationName, x: T): T {
    switch (name) {
      case 'linear':
        return x;
      case 'tanh':
        return this.op('Tanh', [x], 'tanh');
      case 'sigmoid':
        return this.op('Sigmoid', [x], 'sigmoid');
      case 'hard_sigmoid':
        return this.op('HardSigmoid', [x], 'hsig', { alpha: { f: 0.2 }, beta: { f: 0.5 } });
      case 'hard_sigmoid_keras3':
        return this.op('HardSigmoid', [x], 'hsig', { alpha: { f: 1 / 6 }, beta: { f: 0.5 } });
      case 'relu':
        return this.op('Relu', [x], 'relu');
      case 'elu':
        return this.op('Elu', [x], 'elu', { alpha: { f: 1 } });
      case 'softsign':
        return this.op('Softsign', [x], 'softsign');
      case 'softplus':
        return this.op('Softplus', [x], 'softplus');
      case 'exponential':
        return this.op('Exp', [x], 'exp');
    }
  }

  /**
   * The activation's derivative at the pre-activation `preOf()` (whose activation is `post`), elementwise; null when it is
   * identically 1. Written from whichever of pre/post is cheapest, matching TF.js's gradients
   * (which the tf.js training path uses) including at the kinks: relu' = [x > 0], hard sigmoid's
   * slope where 0 <= αx+β <= 1 (both ends included, as tf.clipByValue's gradient), elu' = 1 for
   * y >= 0 else y + 1.
   */
  actDeriv(name: ActivationName, preOf: () => T, post: T): T | null {
    // The pre-activation is only built (often a concatenation over time) for the few that need it.
    switch (name) {
      case 'linear':
        return null;
      case 'tanh':
        return this.sub(this.scalar(1), this.mul(post, post));
      case 'sigmoid':
        return this.mul(post, this.sub(this.scalar(1), post));
      case 'hard_sigmoid':
      case 'hard_sigmoid_keras3': {
        const alpha = name === 'hard_sigmoid' ? 0.2 : 1 / 6;
        // tf.js computes clip(x·α + β): its gradient passes where the unclipped value is in [0, 1].
        const v = this.add(this.mul(preOf(), this.scalar(alpha)), this.scalar(0.5));
        const inside = this.op('Cast', [this.op('Equal', [this.op('Clip', [v, this.scalar(0), this.scalar(1)], 'clip'), v], 'eq')], 'cast', { to: { i: 1 } });
        return this.mul(inside, this.scalar(alpha));
      }
      case 'relu':
        // relu(x) >= 0, so its sign is exactly [x > 0].
        return this.op('Sign', [post], 'sign');
      case 'elu':
        // y >= 0: 1; y < 0: y + 1 (= exp(x)) < 1.
        return this.op('Min', [this.add(post, this.scalar(1)), this.scalar(1)], 'min');
      case 'softsign': {
        const d = this.sub(this.scalar(1), this.op('Abs', [post], 'abs'));
        return this.mul(d, d);
      }
      case 'softplus':
        return this.op('Sigmoid', [preOf()], 'sigmoid');
      case 'exponential':
        return post;
    }
  }
}
