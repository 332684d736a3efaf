import { BundleNonFiniteError, BundleShapeError } from '../errors';
import { initWeights, type InitOptions } from '../spec/init';
import { layerSpecs, sameStack } from '../spec/stack';
import { forecastFeatures, forecastsChange, type ModelSpec, type ResolvedSpec, resolveSpec } from '../spec/spec';
import { shapeSize, weightShapes } from '../spec/shapes';

/**
 * A model's weights plus everything needed to use them: the one source of truth that every engine
 * is compiled from. Tensors are named and laid out as `weightShapes(spec)` says (Keras layout).
 */
export interface WeightsBundle {
  readonly name: string;
  /** Monotonic version; training produces version + 1. */
  readonly version: number;
  /** Version this one was trained from; null for a fresh or imported model. */
  readonly parentVersion: number | null;
  readonly spec: ResolvedSpec;
  readonly tensors: ReadonlyMap<string, Float32Array>;
  /** Training/evaluation metrics, e.g. { trainLoss, evalLoss }. */
  readonly metrics: Readonly<Record<string, number>>;
  /** ISO-8601 time of creation. */
  readonly createdAt: string;
}

export interface CreateBundleOptions {
  readonly name: string;
  readonly spec: ModelSpec | ResolvedSpec;
  /** Weights by name; omitted → fresh Keras-like initialisation from `init`. */
  readonly tensors?: ReadonlyMap<string, Float32Array> | Readonly<Record<string, Float32Array>>;
  readonly init?: InitOptions;
  /** Default 1. */
  readonly version?: number;
  /** Default null. */
  readonly parentVersion?: number | null;
  readonly metrics?: Readonly<Record<string, number>>;
  /** Default: now. */
  readonly createdAt?: string;
}

/** Builds a bundle, validating shapes and finiteness so an invalid bundle never exists in memory. */
export function createBundle(options: CreateBundleOptions): WeightsBundle {
  const spec = resolveSpec(options.spec);
  const tensors =
    options.tensors === undefined
      ? initWeights(spec, options.init)
      : options.tensors instanceof Map
        ? new Map(options.tensors)
        : new Map(Object.entries(options.tensors));
  const bundle: WeightsBundle = {
    name: options.name,
    version: options.version ?? 1,
    parentVersion: options.parentVersion ?? null,
    spec,
    tensors,
    metrics: { ...(options.metrics ?? {}) },
    createdAt: options.createdAt ?? new Date().toISOString(),
  };
  validateTensors(spec, tensors);
  return bundle;
}

/** Throws BundleShapeError / BundleNonFiniteError unless `tensors` is exactly what the spec implies. */
export function validateTensors(spec: ResolvedSpec, tensors: ReadonlyMap<string, Float32Array | readonly number[]>, shapes?: ReadonlyMap<string, readonly number[]>): void {
  const expected = weightShapes(spec);
  const names = new Set(expected.map((e) => e.name));
  for (const name of tensors.keys()) {
    if (!names.has(name)) throw new BundleShapeError(`unexpected tensor ${JSON.stringify(name)}; the spec implies ${[...names].join(', ')}`);
  }
  for (const { name, shape } of expected) {
    const t = tensors.get(name);
    if (t === undefined) throw new BundleShapeError(`missing tensor ${JSON.stringify(name)} of shape [${shape.join(', ')}]`);
    const declared = shapes?.get(name);
    if (declared !== undefined && (declared.length !== shape.length || declared.some((d, i) => d !== shape[i]))) {
      throw new BundleShapeError(`tensor ${JSON.stringify(name)} has shape [${declared.join(', ')}], the spec implies [${shape.join(', ')}]`);
    }
    if (t.length !== shapeSize(shape)) {
      throw new BundleShapeError(`tensor ${JSON.stringify(name)} has ${t.length} values, shape [${shape.join(', ')}] needs ${shapeSize(shape)}`);
    }
    for (let i = 0; i < t.length; i++) {
      if (!Number.isFinite(t[i])) throw new BundleNonFiniteError(`tensor ${JSON.stringify(name)} holds ${t[i]} at index ${i}`);
    }
  }
}

/**
 * Whether two specs describe the same recurrent architecture, i.e. a stream's hidden state from one
 * means the same thing to the other, so inference may carry states across a weight swap: the
 * recurrent layout, and the per-stream transform's state layout (scaling, change forecasting with
 * its forecast features, adaptation, season). Normalisation and the rest of the output meaning
 * do not count.
 */
export function sameArchitecture(a: ResolvedSpec, b: ResolvedSpec): boolean {
  return (
    sameStack(layerSpecs(a), layerSpecs(b)) &&
    a.inputWidth === b.inputWidth &&
    a.head.units === b.head.units &&
    a.head.activation === b.head.activation &&
    // The per-stream auxiliary state (scaler, previous values, adaptation sums) must mean the same.
    (a.streamScaling === null) === (b.streamScaling === null) &&
    (a.adaptation === null) === (b.adaptation === null) &&
    (a.seasonality?.period ?? 0) === (b.seasonality?.period ?? 0) &&
    forecastsChange(a) === forecastsChange(b) &&
    (!forecastsChange(a) || sameFeatures(a, b))
  );
}

/**
 * A 32-bit digest of what sameArchitecture compares: equal for specs it calls the same. Written
 * into every state snapshot, so that a state is never restored into another architecture's
 * network (FNV-1a over a canonical JSON of those fields).
 */
export function architectureFingerprint(spec: ResolvedSpec): number {
  const change = forecastsChange(spec);
  const key = JSON.stringify([
    layerSpecs(spec).map((l) => [l.cell, l.units, l.resetAfter, l.activation, l.recurrentActivation, l.useBias]),
    spec.inputWidth,
    spec.head.units,
    spec.head.activation,
    spec.streamScaling === null,
    spec.adaptation === null,
    spec.seasonality?.period ?? 0,
    change,
    change ? forecastFeatures(spec) : null,
  ]);
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function sameFeatures(a: ResolvedSpec, b: ResolvedSpec): boolean {
  const fa = forecastFeatures(a);
  const fb = forecastFeatures(b);
  if (fa === null || fb === null) return fa === fb;
  return fa.length === fb.length && fa.every((v, i) => v === fb[i]);
}
