import { ModelSpecError } from '../errors';
import { type ActivationName, ACTIVATIONS, isActivationName } from './activations';
import { isUniformStack, type LayerSpec, type ResolvedLayer, resolveStack } from './stack';

export type CellKind = 'simple' | 'lstm' | 'gru';

/** What the Dense head's outputs mean, so inference knows how to use them. */
export type OutputMeaning =
  /**
   * The head forecasts the next event's values: output j predicts input feature `features[j]`
   * (default: output j predicts feature j). With normalisation, outputs are de-normalised with
   * those features' mean/std, and training normalises targets the same way.
   */
  | {
      readonly kind: 'next-values';
      readonly features?: readonly number[];
      /**
       * true: the head forecasts the *change* from the current value, in the stream's scale (see
       * `streamScaling`; the global std with `normalization`; raw units otherwise), and the served
       * forecast is current + change. Zero head weights then forecast exactly the last value, so a
       * fresh model starts as good as that baseline. Default false (the head forecasts the level).
       */
      readonly delta?: boolean;
    }
  /** The head's outputs are used as they are (no de-normalisation). */
  | { readonly kind: 'raw' };

export interface Normalization {
  /** Per input feature; the model sees (x - mean) / std. */
  readonly mean: readonly number[];
  /** Per input feature; must be > 0. */
  readonly std: readonly number[];
}

export interface ModelSpec {
  /**
   * Recurrent cell of every layer in the stack (Keras SimpleRNN, LSTM, GRU). May be left out when
   * `stack` gives each layer's cell.
   */
  readonly cell?: CellKind;
  /**
   * GRU only. true (TF2 Keras default, cuDNN-compatible): the reset gate multiplies the recurrent
   * projection after the matmul and there are two bias vectors. false: reset applied to h before
   * the matmul, one bias vector. Default true.
   */
  readonly resetAfter?: boolean;
  /** Units of each stacked recurrent layer, input side first. At least one. May be left out when `stack` is given. */
  readonly layers?: readonly number[];
  /**
   * Mixed stacks: each layer's own cell, units and settings, input side first (e.g. a SimpleRNN
   * feeding an LSTM). Fields a layer leaves out take the top-level value. Default: `layers` of `cell`.
   */
  readonly stack?: readonly LayerSpec[];
  /** Features per event. */
  readonly inputWidth: number;
  /** Dense head on the last layer's hidden state. */
  readonly head: { readonly units: number; readonly activation?: ActivationName };
  /** Cell activation (Keras `activation`). Default 'tanh'. */
  readonly activation?: ActivationName;
  /** Gate activation for LSTM/GRU (Keras `recurrent_activation`). Default 'sigmoid' (Keras 2.x/3). */
  readonly recurrentActivation?: ActivationName;
  /** Whether the recurrent layers have biases (Keras `use_bias`). Default true. */
  readonly useBias?: boolean;
  /** Optional per-feature input normalisation. */
  readonly normalization?: Normalization;
  /** Meaning of the head's outputs. Default { kind: 'next-values' }. */
  readonly output?: OutputMeaning;
  /**
   * Per-stream scaling: every stream keeps its own exponentially weighted location and scale per
   * feature (in its recurrent state, so in the changelog too), and the network sees
   * (x − location) / scale. Streams of any magnitude then share one model, and no stream's scale
   * decides another's forecast. Excludes `normalization`. Default: none.
   */
  readonly streamScaling?: StreamScalingSpec;
  /**
   * 'delta' heads only: per stream and forecast feature, the served change is a linear combination
   * of the network's proposed change, the stream's last change and its deviation from its running
   * location, with weights fitted online per stream by exponentially weighted ridge least squares
   * (shrunk towards 0, i.e. last-value). Each stream adapts within tens of events, and a network
   * that does not help a stream is not used for it. Default: none (the network's change as it is).
   */
  readonly adaptation?: AdaptationSpec;
  /**
   * With `adaptation`: every stream keeps its last `period` values (and up to 8 more, for a
   * smoothing window) of each forecast feature, and the adaptation also weighs seasonal-naive's
   * change and the smoothed change one period ago (each stream's own weights). Memory: at most
   * 4 × (period + 8) × forecast features bytes per stream. Default: none.
   */
  readonly seasonality?: SeasonalitySpec;
}

export interface SeasonalitySpec {
  /** Events per season, e.g. 288 for a daily cycle of 5-minute samples. */
  readonly period: number;
}

export interface StreamScalingSpec {
  /** Events after which an old event weighs half as much in the location and scale. */
  readonly halfLife: number;
}

export interface AdaptationSpec {
  /** Events after which an old observation weighs half as much in a stream's least squares. */
  readonly halfLife: number;
}

/**
 * A spec with every default filled in; everything downstream works on this. For a mixed stack,
 * `stack` holds each layer and the top-level cell/activations are the first layer's: code that
 * builds layers must read them through `layerSpecs(spec)`. A uniform stack has no `stack` field,
 * so its resolved form (and every bundle manifest written before mixed stacks) is unchanged.
 */
export interface ResolvedSpec {
  readonly cell: CellKind;
  readonly resetAfter: boolean;
  readonly layers: readonly number[];
  readonly inputWidth: number;
  readonly head: { readonly units: number; readonly activation: ActivationName };
  readonly activation: ActivationName;
  readonly recurrentActivation: ActivationName;
  readonly useBias: boolean;
  readonly normalization: Normalization | null;
  readonly output: OutputMeaning;
  readonly streamScaling: StreamScalingSpec | null;
  readonly adaptation: AdaptationSpec | null;
  readonly seasonality: SeasonalitySpec | null;
  /** Present only for a mixed stack (layers differing in cell or settings). */
  readonly stack?: readonly ResolvedLayer[];
}

const quote = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

function positiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ModelSpecError(`${field} must be a positive integer, got ${quote(value)}`);
  }
  return value;
}

function activation(value: unknown, field: string, fallback: ActivationName): ActivationName {
  if (value === undefined) return fallback;
  if (!isActivationName(value)) {
    throw new ModelSpecError(`${field} must be one of ${ACTIVATIONS.join(', ')}; got ${quote(value)}`);
  }
  return value;
}

/** Validates a spec (possibly from JSON) and fills in defaults. Throws ModelSpecError quoting the bad value. */
export function resolveSpec(input: unknown): ResolvedSpec {
  if (typeof input !== 'object' || input === null) throw new ModelSpecError(`spec must be an object, got ${quote(input)}`);
  const s = input as Record<string, unknown>;
  const resetAfter = s['resetAfter'] ?? true;
  if (typeof resetAfter !== 'boolean') throw new ModelSpecError(`spec.resetAfter must be a boolean, got ${quote(resetAfter)}`);
  const useBias = s['useBias'] ?? true;
  if (typeof useBias !== 'boolean') throw new ModelSpecError(`spec.useBias must be a boolean, got ${quote(useBias)}`);
  const defaults = {
    resetAfter,
    activation: activation(s['activation'], 'spec.activation', 'tanh'),
    recurrentActivation: activation(s['recurrentActivation'], 'spec.recurrentActivation', 'sigmoid'),
    useBias,
  };
  let stack: ResolvedLayer[];
  if (s['stack'] !== undefined) {
    stack = resolveStack(s['stack'], s['layers'], defaults);
  } else {
    const cell = s['cell'];
    if (cell !== 'simple' && cell !== 'lstm' && cell !== 'gru') {
      throw new ModelSpecError(`spec.cell must be 'simple', 'lstm' or 'gru'; got ${quote(cell)}`);
    }
    const layersRaw = s['layers'];
    if (!Array.isArray(layersRaw) || layersRaw.length === 0) {
      throw new ModelSpecError(`spec.layers must be a non-empty array of unit counts, got ${quote(layersRaw)}`);
    }
    stack = resolveStack(layersRaw.map((u, i) => ({ cell, units: positiveInt(u, `spec.layers[${i}]`) })), undefined, defaults);
  }
  const first = stack[0];
  const layers = stack.map((l) => l.units);
  const inputWidth = positiveInt(s['inputWidth'], 'spec.inputWidth');
  const headRaw = s['head'];
  if (typeof headRaw !== 'object' || headRaw === null) throw new ModelSpecError(`spec.head must be an object, got ${quote(headRaw)}`);
  const h = headRaw as Record<string, unknown>;
  const head = { units: positiveInt(h['units'], 'spec.head.units'), activation: activation(h['activation'], 'spec.head.activation', 'linear') };

  let normalization: Normalization | null = null;
  const n = s['normalization'];
  if (n !== undefined && n !== null) {
    const nn = n as Record<string, unknown>;
    const mean = nn['mean'];
    const std = nn['std'];
    // The model computes in float32: a mean, std or 1/std that float32 cannot hold would turn every
    // input or output into ±Infinity (and every stream would be reset at every event).
    const f32 = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(Math.fround(v));
    if (!Array.isArray(mean) || mean.length !== inputWidth || !mean.every(f32)) {
      throw new ModelSpecError(`spec.normalization.mean must be ${inputWidth} numbers within float32's range (inputWidth), got ${quote(mean)}`);
    }
    if (!Array.isArray(std) || std.length !== inputWidth || !std.every((v) => f32(v) && Math.fround(v) > 0 && f32(1 / Math.fround(v)))) {
      throw new ModelSpecError(`spec.normalization.std must be ${inputWidth} numbers > 0 whose float32 value and inverse are finite, got ${quote(std)}`);
    }
    normalization = { mean: [...mean], std: [...(std as number[])] };
  }

  const outRaw = (s['output'] ?? { kind: 'next-values' }) as Record<string, unknown>;
  let output: OutputMeaning;
  if (outRaw['kind'] === 'raw') {
    output = { kind: 'raw' };
  } else if (outRaw['kind'] === 'next-values') {
    const features = outRaw['features'];
    if (features === undefined) {
      if (head.units > inputWidth) {
        throw new ModelSpecError(
          `spec.output 'next-values' without features maps output j to feature j, but head.units ${head.units} > inputWidth ${inputWidth}`,
        );
      }
      output = { kind: 'next-values' };
    } else {
      if (!Array.isArray(features) || features.length !== head.units ||
        !features.every((f) => Number.isInteger(f) && (f as number) >= 0 && (f as number) < inputWidth)) {
        throw new ModelSpecError(
          `spec.output.features must list ${head.units} feature indices in [0, ${inputWidth}), got ${quote(features)}`,
        );
      }
      output = { kind: 'next-values', features: [...(features as number[])] };
    }
    const delta = outRaw['delta'] ?? false;
    if (typeof delta !== 'boolean') throw new ModelSpecError(`spec.output.delta must be a boolean, got ${quote(delta)}`);
    if (delta) output = { ...output, delta: true };
  } else {
    throw new ModelSpecError(`spec.output.kind must be 'next-values' or 'raw', got ${quote(outRaw['kind'])}`);
  }

  const streamScaling = halfLifeOf(s['streamScaling'], 'spec.streamScaling');
  if (streamScaling !== null && output.kind !== 'next-values') {
    throw new ModelSpecError("spec.streamScaling needs a 'next-values' head: a 'raw' head's outputs have no stream units to scale back to");
  }
  if (streamScaling !== null && normalization !== null) {
    throw new ModelSpecError('spec.streamScaling and spec.normalization exclude each other: scale per stream or globally, not both');
  }
  const adaptation = halfLifeOf(s['adaptation'], 'spec.adaptation');
  if (adaptation !== null && !(output.kind === 'next-values' && output.delta === true)) {
    throw new ModelSpecError("spec.adaptation needs a change-forecasting head (output { kind: 'next-values', delta: true })");
  }
  const seasonality = periodOf(s['seasonality']);
  if (seasonality !== null && adaptation === null) throw new ModelSpecError('spec.seasonality needs spec.adaptation (the per-stream weights that use it)');

  return {
    cell: first.cell,
    resetAfter: first.resetAfter,
    layers,
    inputWidth,
    head,
    activation: first.activation,
    recurrentActivation: first.recurrentActivation,
    useBias: first.useBias,
    normalization,
    output,
    streamScaling,
    adaptation,
    seasonality,
    ...(isUniformStack(stack) ? {} : { stack }),
  };
}

function halfLifeOf(value: unknown, field: string): { readonly halfLife: number } | null {
  if (value === undefined || value === null) return null;
  const h = typeof value === 'object' ? (value as Record<string, unknown>)['halfLife'] : undefined;
  if (typeof h !== 'number' || !Number.isFinite(h) || h < 1 || h > 1e9) {
    throw new ModelSpecError(`${field}.halfLife must be a number of events in [1, 1e9], got ${quote(h)}`);
  }
  return { halfLife: h };
}

function periodOf(value: unknown): SeasonalitySpec | null {
  if (value === undefined || value === null) return null;
  const p = typeof value === 'object' ? (value as Record<string, unknown>)['period'] : undefined;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 2 || p > 100_000) {
    throw new ModelSpecError(`spec.seasonality.period must be an integer number of events in [2, 100000], got ${quote(p)}`);
  }
  return { period: p };
}

/** Whether the head forecasts the change from the current value (output.delta). */
export const forecastsChange = (spec: ResolvedSpec): boolean => spec.output.kind === 'next-values' && spec.output.delta === true;

/** The input feature each head output forecasts ('next-values'), or null for a 'raw' head. */
export function forecastFeatures(spec: ResolvedSpec): number[] | null {
  if (spec.output.kind !== 'next-values') return null;
  return spec.output.features !== undefined ? [...spec.output.features] : Array.from({ length: spec.head.units }, (_, j) => j);
}
