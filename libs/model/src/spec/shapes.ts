/**
 * The tensors a resolved spec implies: its weights (Keras order and layout) and its per-stream
 * recurrent states. Derived from the spec, never stored in it.
 */
import { layerSpecs } from './stack';
import type { CellKind, ResolvedSpec } from './spec';

/** Gates per cell: the width multiplier of kernel/recurrent kernel/bias (Keras layout). */
export function gateCount(cell: CellKind): number {
  switch (cell) {
    case 'simple':
      return 1;
    case 'lstm':
      return 4;
    case 'gru':
      return 3;
  }
}

export interface TensorShapeEntry {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * Weight tensors the spec implies, in Keras order and layout:
 * layer{i}/kernel [in, g*u], layer{i}/recurrent_kernel [u, g*u], layer{i}/bias [g*u] (GRU with
 * resetAfter: [2, 3u], row 0 input bias, row 1 recurrent bias), head/kernel [u, out], head/bias [out].
 * Gate order inside g*u: LSTM i, f, c, o; GRU z, r, h.
 */
export function weightShapes(spec: ResolvedSpec): TensorShapeEntry[] {
  const out: TensorShapeEntry[] = [];
  let inWidth = spec.inputWidth;
  layerSpecs(spec).forEach(({ cell, units: u, useBias, resetAfter }, i) => {
    const g = gateCount(cell);
    out.push({ name: `layer${i}/kernel`, shape: [inWidth, g * u] });
    out.push({ name: `layer${i}/recurrent_kernel`, shape: [u, g * u] });
    if (useBias) out.push({ name: `layer${i}/bias`, shape: cell === 'gru' && resetAfter ? [2, g * u] : [g * u] });
    inWidth = u;
  });
  out.push({ name: 'head/kernel', shape: [inWidth, spec.head.units] });
  out.push({ name: 'head/bias', shape: [spec.head.units] });
  return out;
}

export interface StateTensorInfo {
  readonly name: string;
  readonly layer: number;
  readonly kind: 'h' | 'c';
  readonly size: number;
}

/** Recurrent state tensors per stream: h per layer, plus c per LSTM layer, ordered layer by layer (h then c). */
export function stateTensors(spec: ResolvedSpec): StateTensorInfo[] {
  const out: StateTensorInfo[] = [];
  layerSpecs(spec).forEach(({ cell, units: u }, i) => {
    out.push({ name: `layer${i}/h`, layer: i, kind: 'h', size: u });
    if (cell === 'lstm') out.push({ name: `layer${i}/c`, layer: i, kind: 'c', size: u });
  });
  return out;
}

export const shapeSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
