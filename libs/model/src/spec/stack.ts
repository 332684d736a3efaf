import { ModelSpecError } from '../errors';
import { type ActivationName, ACTIVATIONS, isActivationName } from './activations';
import type { CellKind, ResolvedSpec } from './spec';

/**
 * One recurrent layer of a mixed stack (`ModelSpec.stack`), e.g. a SimpleRNN feeding an LSTM.
 * Fields left out take the spec's top-level value (`activation`, `recurrentActivation`, `useBias`,
 * `resetAfter`), then the usual defaults.
 */
export interface LayerSpec {
  readonly cell: CellKind;
  readonly units: number;
  /** GRU only; default the spec's resetAfter, else true. */
  readonly resetAfter?: boolean;
  readonly activation?: ActivationName;
  /** LSTM/GRU only. */
  readonly recurrentActivation?: ActivationName;
  readonly useBias?: boolean;
}

/** A layer with every field decided; what engines build each layer from. */
export interface ResolvedLayer {
  readonly cell: CellKind;
  readonly units: number;
  /** false for anything but GRU. */
  readonly resetAfter: boolean;
  readonly activation: ActivationName;
  /** The spec's value for SimpleRNN layers, which have no gates. */
  readonly recurrentActivation: ActivationName;
  readonly useBias: boolean;
}

/** The top-level fields a layer falls back to. */
export interface StackDefaults {
  readonly resetAfter: boolean;
  readonly activation: ActivationName;
  readonly recurrentActivation: ActivationName;
  readonly useBias: boolean;
}

const quote = (v: unknown): string => JSON.stringify(v) ?? String(v);

/**
 * Validates `spec.stack` (per-layer cells) and fills each layer's defaults. `layers`, when given
 * too, must list the same units: a resolved mixed spec carries both, and a spread that changed one
 * but not the other would otherwise be silently half-applied.
 */
export function resolveStack(raw: unknown, layers: unknown, defaults: StackDefaults): ResolvedLayer[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new ModelSpecError(`spec.stack must be a non-empty array of layers, got ${quote(raw)}`);
  const out = raw.map((entry: unknown, i): ResolvedLayer => {
    const where = `spec.stack[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new ModelSpecError(`${where} must be an object, got ${quote(entry)}`);
    const e = entry as Record<string, unknown>;
    const cell = e['cell'];
    if (cell !== 'simple' && cell !== 'lstm' && cell !== 'gru') throw new ModelSpecError(`${where}.cell must be 'simple', 'lstm' or 'gru'; got ${quote(cell)}`);
    const units = e['units'];
    if (typeof units !== 'number' || !Number.isInteger(units) || units < 1) throw new ModelSpecError(`${where}.units must be a positive integer, got ${quote(units)}`);
    const bool = (field: string, fallback: boolean): boolean => {
      const v = e[field] ?? fallback;
      if (typeof v !== 'boolean') throw new ModelSpecError(`${where}.${field} must be a boolean, got ${quote(v)}`);
      return v;
    };
    const act = (field: string, fallback: ActivationName): ActivationName => {
      const v = e[field] ?? fallback;
      if (!isActivationName(v)) throw new ModelSpecError(`${where}.${field} must be one of ${ACTIVATIONS.join(', ')}; got ${quote(v)}`);
      return v;
    };
    return {
      cell,
      units,
      resetAfter: cell === 'gru' ? bool('resetAfter', defaults.resetAfter) : false,
      activation: act('activation', defaults.activation),
      recurrentActivation: cell === 'simple' ? defaults.recurrentActivation : act('recurrentActivation', defaults.recurrentActivation),
      useBias: bool('useBias', defaults.useBias),
    };
  });
  if (layers !== undefined && (!Array.isArray(layers) || layers.length !== out.length || layers.some((u, i) => u !== out[i].units))) {
    throw new ModelSpecError(`spec.layers ${quote(layers)} disagrees with spec.stack's units ${quote(out.map((l) => l.units))}; give one or make them equal`);
  }
  return out;
}

const sameLayer = (a: ResolvedLayer, b: ResolvedLayer): boolean =>
  a.cell === b.cell && a.resetAfter === b.resetAfter && a.activation === b.activation &&
  a.recurrentActivation === b.recurrentActivation && a.useBias === b.useBias;

/** Whether every layer has the same cell and settings, i.e. the classic top-level spec says it all. */
export const isUniformStack = (layers: readonly ResolvedLayer[]): boolean => layers.every((l) => sameLayer(l, layers[0]));

/** Each recurrent layer of a resolved spec, input side first (mixed or not). */
export function layerSpecs(spec: ResolvedSpec): readonly ResolvedLayer[] {
  if (spec.stack !== undefined) return spec.stack;
  return spec.layers.map((units) => ({
    cell: spec.cell,
    units,
    resetAfter: spec.resetAfter,
    activation: spec.activation,
    recurrentActivation: spec.recurrentActivation,
    useBias: spec.useBias,
  }));
}

/** Whether two stacks are the same layer for layer (units and settings). */
export const sameStack = (a: readonly ResolvedLayer[], b: readonly ResolvedLayer[]): boolean =>
  a.length === b.length && a.every((l, i) => l.units === b[i].units && sameLayer(l, b[i]));
