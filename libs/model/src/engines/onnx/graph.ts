import type { WeightsBundle } from '../../bundle/bundle';
import type { ActivationName } from '../../spec/activations';
import { gateCount, stateTensors } from '../../spec/shapes';
import { layerSpecs } from '../../spec/stack';
import { explicitLayer, type GraphOps, type LayerWeights } from './cells';
import type { OnnxGraph, OnnxInitializer, OnnxNode } from './proto';

/** Input/output names of the one-step graph. States follow stateTensors(spec) order. */
export interface StepGraphIo {
  readonly input: string;
  readonly stateInputs: readonly string[];
  readonly output: string;
  readonly stateOutputs: readonly string[];
}

/**
 * Builds the one-step ONNX graph for a bundle from explicit Gemm/activations (cells.ts). Explicit
 * ops rather than ONNX's LSTM/GRU/RNN operators: those use other gate orders (iofc, zrh with
 * separate bias halves) and a sequence axis we do not need, and were slower per step here.
 */
export interface StepGraphOptions {
  /** Use ONNX's LSTM/GRU operators where the activations allow. Default false (slower per step on CPU). */
  readonly fusedCells?: boolean;
}

export function buildStepGraph(bundle: WeightsBundle, options: StepGraphOptions = {}): { graph: OnnxGraph; io: StepGraphIo } {
  const spec = bundle.spec;
  const nodes: OnnxNode[] = [];
  const inits: OnnxInitializer[] = [];
  let counter = 0;
  const tmp = (hint: string): string => `${hint}_${counter++}`;
  const node = (op: string, inputs: string[], hint: string, attributes?: OnnxNode['attributes']): string => {
    const out = tmp(hint);
    nodes.push({ op, inputs, outputs: [out], attributes });
    return out;
  };
  const act = (name: ActivationName, input: string): string => {
    switch (name) {
      case 'linear':
        return input;
      case 'tanh':
        return node('Tanh', [input], 'tanh');
      case 'sigmoid':
        return node('Sigmoid', [input], 'sigmoid');
      case 'hard_sigmoid':
        return node('HardSigmoid', [input], 'hsig', { alpha: { f: 0.2 }, beta: { f: 0.5 } });
      case 'hard_sigmoid_keras3':
        return node('HardSigmoid', [input], 'hsig', { alpha: { f: 1 / 6 }, beta: { f: 0.5 } });
      case 'relu':
        return node('Relu', [input], 'relu');
      case 'elu':
        return node('Elu', [input], 'elu', { alpha: { f: 1 } });
      case 'softsign':
        return node('Softsign', [input], 'softsign');
      case 'softplus':
        return node('Softplus', [input], 'softplus');
      case 'exponential':
        return node('Exp', [input], 'exp');
    }
  };
  const init = (name: string, dims: number[], data: Float32Array): string => {
    inits.push({ name, dims, data });
    return name;
  };
  const t = (name: string): Float32Array => bundle.tensors.get(name)!;
  const ops: GraphOps = { node, act, init };

  const states = stateTensors(spec);
  const io: StepGraphIo = {
    input: 'x',
    stateInputs: states.map((s) => s.name.replace('/', '_') + '_in'),
    output: 'y',
    stateOutputs: states.map((s) => s.name.replace('/', '_') + '_out'),
  };
  const finalOut: string[] = [];
  // Fused ONNX LSTM/GRU operators only for Keras' default activations (the ops take others only
  // through per-gate attribute lists; the explicit graph handles every activation).
  const fusable = (L: { activation: string; recurrentActivation: string }): boolean =>
    options.fusedCells === true && L.activation === 'tanh' && L.recurrentActivation === 'sigmoid';
  const axes0 = 'axes0';
  inits.push({ name: axes0, dims: [1], data: BigInt64Array.of(0n) });

  let x = io.input;
  // Y_h [1, batch, u] of the previous layer when it was a fused operator: the next fused one takes
  // it as its one-step sequence; an explicit layer (mixed stacks) takes the squeezed h instead.
  let xSeq: string | null = null;
  let lastH = io.input;
  let inWidth = spec.inputWidth;
  let s = 0;
  const stack = layerSpecs(spec);
  for (let l = 0; l < stack.length; l++) {
    // Each layer's own cell and settings (stacks may mix cells).
    const L = stack[l];
    const u = L.units;
    const n = gateCount(L.cell) * u;
    const kernel = t(`layer${l}/kernel`);
    const rec = t(`layer${l}/recurrent_kernel`);
    const biasAll = L.useBias ? t(`layer${l}/bias`) : new Float32Array(L.cell === 'gru' && L.resetAfter ? 2 * n : n);
    const h = io.stateInputs[s];
    let hNew: string;
    if (fusable(L) && L.cell !== 'simple') {
      // ONNX's own LSTM/GRU operators (one time step), optional: ORT fuses the gate arithmetic,
      // but at one step its per-call setup made it slower than the explicit graph on CPU. Weights are transposed to [gates·u, in] and LSTM gates reordered
      // from Keras i,f,c,o to ONNX i,o,f,c; GRU z,r,h already match and linear_before_reset=1 is
      // exactly Keras reset_after.
      const blocks = L.cell === 'lstm' ? [0, 3, 1, 2] : [0, 1, 2];
      const toOnnx = (m: Float32Array, rows: number): Float32Array => {
        const out = new Float32Array(n * rows);
        blocks.forEach((src, dst) => {
          for (let j = 0; j < u; j++) for (let r = 0; r < rows; r++) out[(dst * u + j) * rows + r] = m[r * n + src * u + j]!;
        });
        return out;
      };
      const biasOnnx = new Float32Array(2 * n);
      const reorder = (v: Float32Array, offset: number): void =>
        blocks.forEach((src, dst) => biasOnnx.set(v.subarray(src * u, src * u + u), offset + dst * u));
      if (L.useBias) {
        reorder(biasAll.subarray(0, n), 0);
        if (L.cell === 'gru' && L.resetAfter) reorder(biasAll.subarray(n), n);
      }
      const x3 = xSeq ?? node('Unsqueeze', [x, axes0], 'x3');
      const h3 = node('Unsqueeze', [h, axes0], 'h3');
      const ins = [x3, init(`l${l}_W`, [1, n, inWidth], toOnnx(kernel, inWidth)), init(`l${l}_R`, [1, n, u], toOnnx(rec, u)), init(`l${l}_B`, [1, 2 * n], biasOnnx), '', h3];
      const yh = tmp('yh');
      if (L.cell === 'lstm') {
        const yc = tmp('yc');
        ins.push(node('Unsqueeze', [io.stateInputs[s + 1], axes0], 'c3'));
        nodes.push({ op: 'LSTM', inputs: ins, outputs: ['', yh, yc], attributes: { hidden_size: { i: u } } });
        finalOut[s + 1] = node('Squeeze', [yc, axes0], 'c');
        s += 2;
      } else {
        nodes.push({ op: 'GRU', inputs: ins, outputs: ['', yh], attributes: { hidden_size: { i: u }, linear_before_reset: { i: L.resetAfter ? 1 : 0 } } });
        s += 1;
      }
      hNew = node('Squeeze', [yh, axes0], 'h');
      // The next layer (or the head) can take Y_h as it is: [1, batch, u] is a one-step sequence.
      finalOut[L.cell === 'lstm' ? s - 2 : s - 1] = hNew;
      x = hNew;
      xSeq = yh;
      lastH = hNew;
      inWidth = u;
      continue;
    }
    const weights: LayerWeights = { kernel, recurrent: rec, bias: L.useBias ? biasAll : null };
    const next = explicitLayer(ops, l, L, weights, { x, inWidth, h, c: L.cell === 'lstm' ? io.stateInputs[s + 1] : null });
    hNew = next.h;
    if (next.c !== null) finalOut[s + 1] = next.c;
    s += L.cell === 'lstm' ? 2 : 1;
    finalOut[L.cell === 'lstm' ? s - 2 : s - 1] = hNew;
    x = hNew;
    xSeq = null;
    lastH = hNew;
    inWidth = u;
  }
  const y = act(spec.head.activation, node('Gemm', [lastH, init('head_w', [inWidth, spec.head.units], t('head/kernel')), init('head_b', [spec.head.units], t('head/bias'))], 'y'));
  // The graph's outputs are the producing nodes' own outputs, renamed: an Identity per output was
  // one more node and one more copy of each state per step.
  const rename = new Map<string, string>([[y, io.output], ...finalOut.map((name, i): [string, string] => [name, io.stateOutputs[i]])]);
  const renamed = nodes.map((nd) => ({ ...nd, inputs: nd.inputs.map((v) => rename.get(v) ?? v), outputs: nd.outputs.map((v) => rename.get(v) ?? v) }));

  const graph: OnnxGraph = {
    name: `${bundle.name}_v${bundle.version}_step`,
    nodes: renamed,
    // axes0 is only for the fused operators' Unsqueeze/Squeeze (ORT warns about unused initialisers).
    initializers: inits.filter((i) => i.name !== axes0 || renamed.some((nd) => nd.inputs.includes(axes0))),
    inputs: [
      { name: io.input, dims: ['batch', spec.inputWidth] },
      ...states.map((st, i) => ({ name: io.stateInputs[i], dims: ['batch', st.size] as (number | string)[] })),
    ],
    outputs: [
      { name: io.output, dims: ['batch', spec.head.units] },
      ...states.map((st, i) => ({ name: io.stateOutputs[i], dims: ['batch', st.size] as (number | string)[] })),
    ],
  };
  return { graph, io };
}
