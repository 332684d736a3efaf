import type { ActivationName } from '../../spec/activations';
import type { ResolvedLayer } from '../../spec/stack';
import type { OnnxNode } from './proto';

/** The graph-building primitives buildStepGraph hands to the cell builders. */
export interface GraphOps {
  node(op: string, inputs: string[], hint: string, attributes?: OnnxNode['attributes']): string;
  act(name: ActivationName, input: string): string;
  init(name: string, dims: number[], data: Float32Array): string;
}

/** One layer's Keras weights: kernel [in, G·u], recurrent [u, G·u], bias [G·u] or (GRU resetAfter) [2, 3u]; null without bias. */
export interface LayerWeights {
  readonly kernel: Float32Array;
  readonly recurrent: Float32Array;
  readonly bias: Float32Array | null;
}

/** Gate blocks `gates` (Keras order) of a [rows, G·u] matrix, side by side: [rows, gates.length·u]. */
function columns(m: Float32Array, rows: number, total: number, u: number, gates: readonly number[]): Float32Array {
  const out = new Float32Array(rows * gates.length * u);
  const width = gates.length * u;
  for (let r = 0; r < rows; r++) {
    gates.forEach((g, k) => out.set(m.subarray(r * total + g * u, r * total + g * u + u), r * width + k * u));
  }
  return out;
}

/** [W; U] restricted to `gates`: the weight of one GEMM over concat(x, h). */
function stacked(w: LayerWeights, inWidth: number, u: number, total: number, gates: readonly number[]): Float32Array {
  const top = columns(w.kernel, inWidth, total, u, gates);
  const out = new Float32Array((inWidth + u) * gates.length * u);
  out.set(top, 0);
  out.set(columns(w.recurrent, u, total, u, gates), top.length);
  return out;
}

/** The bias entries of `gates` from bias row `row` (plus row `also`, folded in on the host), or null. */
function biasOf(w: LayerWeights, total: number, u: number, gates: readonly number[], row = 0, also: number | null = null): Float32Array | null {
  const b = w.bias;
  if (b === null) return null;
  const out = columns(b.subarray(row * total, row * total + total), 1, total, u, gates);
  if (also !== null) {
    const more = columns(b.subarray(also * total, also * total + total), 1, total, u, gates);
    for (let i = 0; i < out.length; i++) out[i] += more[i];
  }
  return out;
}

/** a · W (+ c): one Gemm node (bias as C broadcast over rows, or a full [B, n] matrix `c`). */
function gemm(ops: GraphOps, a: string, name: string, rows: number, weight: Float32Array, bias: Float32Array | null, c: string | null = null): string {
  const n = weight.length / rows;
  const inputs = [a, ops.init(name, [rows, n], weight)];
  if (bias !== null) inputs.push(ops.init(`${name}_b`, [n], bias));
  else if (c !== null) inputs.push(c);
  return ops.node('Gemm', inputs, name);
}

export interface CellIo {
  readonly x: string;
  readonly inWidth: number;
  readonly h: string;
  /** LSTM only. */
  readonly c: string | null;
}

/**
 * One explicit recurrent layer: GEMMs over concat(x, h) against per-gate column blocks of the
 * stacked [W; U], bias as Gemm's C (folded on the host where Keras adds two), so no Add nodes and
 * no Split copies of the gate pre-activations: one GEMM per gate costs the same multiply-adds as a
 * wide one, while splitting a [B, 4u] result copied it once more (the largest non-GEMM node at
 * batch 1024). Returns the new h (and c).
 */
export function explicitLayer(ops: GraphOps, l: number, L: ResolvedLayer, w: LayerWeights, io: CellIo): { h: string; c: string | null } {
  const u = L.units;
  const { x, inWidth, h } = io;
  const K = inWidth + u;
  if (L.cell === 'simple') {
    const cat = ops.node('Concat', [x, h], 'xh', { axis: { i: 1 } });
    return { h: ops.act(L.activation, gemm(ops, cat, `l${l}_z`, K, stacked(w, inWidth, u, u, [0]), biasOf(w, u, u, [0]))), c: null };
  }
  if (L.cell === 'lstm') {
    const total = 4 * u;
    const cat = ops.node('Concat', [x, h], 'xh', { axis: { i: 1 } });
    // Keras gate order i, f, c, o.
    const gate = (g: number, name: string, fn: ActivationName): string =>
      ops.act(fn, gemm(ops, cat, `l${l}_${name}`, K, stacked(w, inWidth, u, total, [g]), biasOf(w, total, u, [g])));
    const i = gate(0, 'i', L.recurrentActivation);
    const f = gate(1, 'f', L.recurrentActivation);
    const cand = gate(2, 'c', L.activation);
    const o = gate(3, 'o', L.recurrentActivation);
    const cNew = ops.node('Add', [ops.node('Mul', [f, io.c!], 'fc'), ops.node('Mul', [i, cand], 'ic')], 'c');
    return { h: ops.node('Mul', [o, ops.act(L.activation, cNew)], 'h'), c: cNew };
  }
  // GRU, Keras gate order z, r, h. z and r see x·W + h·U (+ both biases), so one GEMM over concat(x, h).
  const total = 3 * u;
  const cat = ops.node('Concat', [x, h], 'xh', { axis: { i: 1 } });
  const after = L.resetAfter;
  const zr = (g: number, name: string): string =>
    ops.act(L.recurrentActivation, gemm(ops, cat, `l${l}_${name}`, K, stacked(w, inWidth, u, total, [g]), biasOf(w, total, u, [g], 0, after ? 1 : null)));
  const z = zr(0, 'z');
  const r = zr(1, 'r');
  const xh = gemm(ops, x, `l${l}_xh`, inWidth, columns(w.kernel, inWidth, total, u, [2]), biasOf(w, total, u, [2]));
  let pre: string;
  if (after) {
    // reset_after: r multiplies h·U_h + b_h (recurrent bias row 1).
    const hh = gemm(ops, h, `l${l}_hh`, u, columns(w.recurrent, u, total, u, [2]), biasOf(w, total, u, [2], 1));
    pre = ops.node('Add', [xh, ops.node('Mul', [r, hh], 'rhh')], 'pre');
  } else {
    // reset_before: (r * h)·U_h, with x·W_h + b_h as Gemm's C.
    pre = gemm(ops, ops.node('Mul', [r, h], 'rh'), `l${l}_rhu`, u, columns(w.recurrent, u, total, u, [2]), null, xh);
  }
  const cand = ops.act(L.activation, pre);
  // h' = z*h + (1-z)*cand = cand + z*(h - cand)
  return { h: ops.node('Add', [cand, ops.node('Mul', [z, ops.node('Sub', [h, cand], 'hmc')], 'zd')], 'h'), c: null };
}
