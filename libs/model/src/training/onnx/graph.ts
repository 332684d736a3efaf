import type { OnnxGraph } from '../../engines/onnx/proto';
import type { ResolvedSpec } from '../../spec/spec';
import { stateTensors, weightShapes } from '../../spec/shapes';
import { layerSpecs, type ResolvedLayer } from '../../spec/stack';
import type { LossName } from '../losses';
import { GraphBuilder, type T } from './builder';
import { unrollGru } from './gru';
import type { LayerContext, UnrolledLayer } from './layer';
import { unrollLstm } from './lstm';
import { unrollSimple } from './simple';

/** What one training graph is specialised for (part of the session cache key). */
export interface WindowShape {
  readonly batch: number;
  /** Steps unrolled (the window length, ≤ k2). */
  readonly steps: number;
  /** The newest `lossSteps` steps carry the loss (≤ steps). */
  readonly lossSteps: number;
  /** Offsets (1…steps) after which the states are output: the next window's start, the end. */
  readonly emit: readonly number[];
  readonly loss: LossName;
}

export interface WindowIo {
  /** Graph input per weight tensor, in weightShapes(spec) order. */
  readonly weights: readonly string[];
  /** [steps·batch, inputWidth], step-major. */
  readonly x: string;
  /** [lossSteps·batch, headUnits], step-major. */
  readonly y: string;
  /** Initial states, stateTensors(spec) order, [batch, size]. */
  readonly states: readonly string[];
  readonly loss: string;
  /** Gradient per weight tensor, weightShapes(spec) order. */
  readonly grads: readonly string[];
  /** States output after each `emit` offset, stateTensors order. */
  readonly emitted: ReadonlyMap<number, readonly string[]>;
}

function unroll(layer: ResolvedLayer, ctx: LayerContext): UnrolledLayer {
  switch (layer.cell) {
    case 'lstm':
      return unrollLstm(ctx);
    case 'gru':
      return unrollGru(ctx, layer.resetAfter);
    case 'simple':
      return unrollSimple(ctx);
  }
}

/** Mean loss over every element of e = prediction − target, and its gradient with respect to e. */
function lossAndGradient(b: GraphBuilder, loss: LossName, e: T, count: number): { value: T; grad: T } {
  const mean = (t: T): T => b.op('ReduceMean', [t], 'mean', { keepdims: { i: 0 } });
  switch (loss) {
    case 'mse':
      return { value: mean(b.mul(e, e)), grad: b.mul(e, b.scalar(2 / count)) };
    case 'mae':
      return { value: mean(b.op('Abs', [e], 'abs')), grad: b.mul(b.op('Sign', [e], 'sign'), b.scalar(1 / count)) };
    case 'huber': {
      // HUBER_DELTA = 1: 0.5 q² + (|e| − q) with q = min(|e|, 1); d/de = clip(e, −1, 1).
      const a = b.op('Abs', [e], 'abs');
      const q = b.op('Min', [a, b.scalar(1)], 'q');
      const value = mean(b.add(b.mul(b.scalar(0.5), b.mul(q, q)), b.sub(a, q)));
      return { value, grad: b.mul(b.op('Clip', [e, b.scalar(-1), b.scalar(1)], 'clip'), b.scalar(1 / count)) };
    }
  }
}

/**
 * The training graph of one TBPTT window: forward over `steps` steps from the given states, the
 * loss over the newest `lossSteps`, and the hand-derived backward pass, outputting the loss, the
 * gradient of every weight tensor (weights are graph inputs, so one session serves every update)
 * and the states the next window starts from. The same arithmetic as the TF.js path (tfjs/cells.ts
 * under tf.variableGrads), checked against it in onnx/parity.test.ts.
 */
export function buildTrainingGraph(spec: ResolvedSpec, shape: WindowShape): { graph: OnnxGraph; io: WindowIo } {
  const b = new GraphBuilder();
  const { batch, steps, lossSteps } = shape;
  const shapes = weightShapes(spec);
  const states = stateTensors(spec);
  const weightInputs = shapes.map((_, i) => `w${i}`);
  const byName = new Map(shapes.map((s, i) => [s.name, weightInputs[i]]));
  const stateInputs = states.map((_, i) => `s${i}`);
  const grads = new Map<string, T>();

  const layers: UnrolledLayer[] = [];
  let x: T = 'x';
  let s = 0;
  // Per layer, so mixed stacks (spec.stack: e.g. a SimpleRNN under an LSTM) work as uniform ones.
  const stack = layerSpecs(spec);
  stack.forEach((ls, l) => {
    const initial = ls.cell === 'lstm' ? [stateInputs[s], stateInputs[s + 1]] : [stateInputs[s]];
    s += initial.length;
    const layer = unroll(ls, {
      b,
      steps,
      batch,
      units: ls.units,
      inputWidth: l === 0 ? spec.inputWidth : stack[l - 1].units,
      x,
      initial,
      kernel: byName.get(`layer${l}/kernel`)!,
      recurrent: byName.get(`layer${l}/recurrent_kernel`)!,
      bias: ls.useBias ? byName.get(`layer${l}/bias`)! : null,
      activation: ls.activation,
      recurrentActivation: ls.recurrentActivation,
    });
    layers.push(layer);
    if (l < stack.length - 1) x = b.concat([...layer.hs], 0, `H${l}`);
  });

  // Head and loss on the top layer's newest lossSteps states, all steps in one GEMM.
  const top = layers[layers.length - 1];
  const headW = byName.get('head/kernel')!;
  const hLoss = b.concat(top.hs.slice(steps - lossSteps), 0, 'Hloss');
  const pre = b.gemm(hLoss, headW, byName.get('head/bias')!, 'head');
  const prediction = b.act(spec.head.activation, pre);
  const { value, grad } = lossAndGradient(b, shape.loss, b.sub(prediction, 'y'), lossSteps * batch * spec.head.units);
  const dPre = b.mulOpt(grad, b.actDeriv(spec.head.activation, () => pre, prediction));
  grads.set('head/kernel', b.gemm(hLoss, dPre, null, 'dWh', true));
  grads.set('head/bias', b.sumRows(dPre));
  const dhLoss = b.split(b.gemm(dPre, headW, null, 'dHl', false, true), Array.from({ length: lossSteps }, () => batch), 0, 'dhl');
  let external: (T | null)[] = Array.from({ length: steps }, (_, t) => (t >= steps - lossSteps ? dhLoss[t - (steps - lossSteps)] : null));
  for (let l = layers.length - 1; l >= 0; l--) {
    const g = layers[l].backward(external, l > 0);
    grads.set(`layer${l}/kernel`, g.kernel);
    grads.set(`layer${l}/recurrent_kernel`, g.recurrent);
    if (g.bias !== null) grads.set(`layer${l}/bias`, g.bias);
    if (g.input !== null) external = b.split(g.input, Array.from({ length: steps }, () => batch), 0, 'dx');
  }

  const out = (from: T, name: string): string => {
    b.nodes.push({ op: 'Identity', inputs: [from], outputs: [name] });
    return name;
  };
  const io: WindowIo = {
    weights: weightInputs,
    x: 'x',
    y: 'y',
    states: stateInputs,
    loss: out(value, 'loss'),
    grads: shapes.map((sh, i) => out(grads.get(sh.name)!, `g${i}`)),
    emitted: new Map(shape.emit.map((k) => [k, layers.flatMap((layer) => layer.statesAfter(k - 1)).map((t, i) => out(t, `e${k}_${i}`))])),
  };
  const graph: OnnxGraph = {
    name: 'tbptt_window',
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [
      ...shapes.map((sh, i) => ({ name: weightInputs[i], dims: sh.shape })),
      { name: 'x', dims: [steps * batch, spec.inputWidth] },
      { name: 'y', dims: [lossSteps * batch, spec.head.units] },
      ...states.map((st, i) => ({ name: stateInputs[i], dims: [batch, st.size] })),
    ],
    outputs: [
      { name: 'loss', dims: [] },
      ...shapes.map((sh, i) => ({ name: `g${i}`, dims: sh.shape })),
      ...[...io.emitted.values()].flatMap((names) => names.map((name, i) => ({ name, dims: [batch, states[i].size] }))),
    ],
  };
  return { graph, io };
}
