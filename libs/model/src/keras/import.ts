import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createBundle, type WeightsBundle } from '../bundle/bundle';
import { KerasImportError } from '../errors';
import { type ActivationName, isActivationName } from '../spec/activations';
import { type CellKind, type ModelSpec, type OutputMeaning, weightShapes, resolveSpec, shapeSize } from '../spec/spec';

/**
 * Import of Keras Sequential models saved in the TensorFlow.js layers format (model.json + weight
 * shards). The topology is read here rather than through tfjs-layers' loader: we need only a few
 * layer types, must accept both the tf.keras 2 layout (what tensorflowjs_converter writes) and the
 * Keras 3 layout (`module`/`registered_name`, `batch_shape`), and must keep Keras semantics that
 * tfjs-layers changes (GRU reset_after, recurrent activation defaults).
 */

const RECURRENT: Readonly<Record<string, CellKind>> = { SimpleRNN: 'simple', LSTM: 'lstm', GRU: 'gru' };
/** Layers that are the identity at inference time. */
const INFERENCE_NOOP = new Set(['Dropout', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']);
const NON_CAUSAL: Readonly<Record<string, string>> = {
  Bidirectional:
    'a Bidirectional layer is not causal: its backward direction reads the whole sequence from the end, i.e. future events, so it cannot run one event at a time',
  Attention: 'attention layers look at the whole sequence, including future events, so they cannot run one event at a time',
  MultiHeadAttention: 'attention layers look at the whole sequence, including future events, so they cannot run one event at a time',
  GlobalAveragePooling1D: 'pooling over time needs the whole sequence, so it cannot run one event at a time',
  GlobalMaxPooling1D: 'pooling over time needs the whole sequence, so it cannot run one event at a time',
  Flatten: 'Flatten mixes all time steps into one vector, so the model cannot run one event at a time',
};

interface KerasLayer {
  readonly className: string;
  readonly config: Record<string, unknown>;
}

interface WeightEntry {
  readonly name: string;
  readonly shape: number[];
  readonly data: Float32Array;
}

export interface KerasImportOptions {
  /** Bundle name. Default: the Keras model's name. */
  readonly name?: string;
  /** Meaning of the head's outputs. Default next-values when head units <= input width, else raw. */
  readonly output?: OutputMeaning;
}

const q = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** Imports from a parsed model.json and a reader for its weight shards (paths as in weightsManifest). */
export function importKerasModel(
  modelJson: unknown,
  readShard: (path: string) => Uint8Array,
  options: KerasImportOptions = {},
): WeightsBundle {
  const { layers, modelName, inputShape, keras3 } = readTopology(modelJson);

  let cell: CellKind | null = null;
  let resetAfter: boolean | undefined;
  let activation: ActivationName | null = null;
  let recurrentActivation: ActivationName | null = null;
  let useBias: boolean | null = null;
  let inputWidth = inputShape?.[inputShape.length - 1] ?? null;
  const units: number[] = [];
  const layerNames: string[] = [];
  let head: { units: number; activation: ActivationName; name: string; useBias: boolean } | null = null;

  const agree = <T>(current: T | null, value: T, what: string, layer: string): T => {
    if (current !== null && current !== value) {
      throw new KerasImportError(`layer ${q(layer)} has ${what} ${q(value)} but earlier layers have ${q(current)}; streamcell stacks share one ${what}`);
    }
    return value;
  };
  const act = (value: unknown, layer: string, field: string): ActivationName => {
    const raw = typeof value === 'string' ? value : (value as { class_name?: unknown; config?: { name?: unknown } } | null)?.config?.name ?? value;
    const name = raw === 'hard_sigmoid' && keras3 ? 'hard_sigmoid_keras3' : raw;
    if (!isActivationName(name)) throw new KerasImportError(`layer ${q(layer)}: ${field} ${q(raw)} is not supported`);
    return name;
  };

  for (const { className, config } of layers) {
    const layerName = typeof config['name'] === 'string' ? config['name'] : className;
    if (className === 'InputLayer') {
      const shape = (config['batch_shape'] ?? config['batch_input_shape']);
      if (Array.isArray(shape)) inputWidth = shape[shape.length - 1] as number;
      continue;
    }
    if (inputWidth === null) {
      const shape = (config['batch_input_shape'] ?? config['batch_shape']);
      if (Array.isArray(shape)) inputWidth = shape[shape.length - 1] as number;
    }
    if (INFERENCE_NOOP.has(className)) continue;
    if (className in NON_CAUSAL) throw new KerasImportError(`cannot import ${q(layerName)} for streaming: ${NON_CAUSAL[className]}`);
    if (head !== null) {
      throw new KerasImportError(`layer ${q(layerName)} (${className}) follows the Dense head; only a single final Dense layer is supported`);
    }
    const kind = RECURRENT[className];
    if (kind !== undefined) {
      if (config['go_backwards'] === true) {
        throw new KerasImportError(`layer ${q(layerName)} has go_backwards=true: it reads the sequence from the end (future events first), which is not causal`);
      }
      cell = agree(cell, kind, 'cell type', layerName);
      activation = agree(activation, act(config['activation'] ?? 'tanh', layerName, 'activation'), 'activation', layerName);
      if (kind !== 'simple') {
        recurrentActivation = agree(recurrentActivation, act(config['recurrent_activation'] ?? 'sigmoid', layerName, 'recurrent_activation'), 'recurrent_activation', layerName);
      }
      useBias = agree(useBias, config['use_bias'] !== false, 'use_bias', layerName);
      if (kind === 'gru') {
        // Keras 2 (TF2) and 3 default reset_after to true; converter output always states it.
        const ra = config['reset_after'] !== false;
        if (resetAfter !== undefined && resetAfter !== ra) throw new KerasImportError(`layer ${q(layerName)} mixes reset_after settings`);
        resetAfter = ra;
      }
      const u = config['units'];
      if (typeof u !== 'number') throw new KerasImportError(`layer ${q(layerName)} has no integer units: ${q(u)}`);
      units.push(u);
      layerNames.push(layerName);
      continue;
    }
    if (className === 'Dense') {
      if (units.length === 0) throw new KerasImportError(`Dense layer ${q(layerName)} comes before any recurrent layer; the head must follow the stack`);
      head = { units: config['units'] as number, activation: act(config['activation'] ?? 'linear', layerName, 'activation'), name: layerName, useBias: config['use_bias'] !== false };
      continue;
    }
    throw new KerasImportError(
      `layer ${q(layerName)} of type ${className} is not streamable here: only SimpleRNN/LSTM/GRU stacks (optionally with Dropout) and a final Dense head can run one event at a time`,
    );
  }
  if (cell === null) throw new KerasImportError('the model has no SimpleRNN, LSTM or GRU layer');
  if (head === null) throw new KerasImportError('the model has no Dense head after its recurrent layers');
  if (typeof inputWidth !== 'number') throw new KerasImportError('the model declares no input shape (InputLayer batch_shape or batch_input_shape)');

  const headUnits = head.units;
  const spec: ModelSpec = {
    cell,
    resetAfter: resetAfter ?? true,
    layers: units,
    inputWidth,
    head: { units: headUnits, activation: head.activation },
    activation: activation ?? 'tanh',
    recurrentActivation: recurrentActivation ?? 'sigmoid',
    useBias: useBias ?? true,
    output: options.output ?? (headUnits <= inputWidth ? { kind: 'next-values' } : { kind: 'raw' }),
  };
  const resolved = resolveSpec(spec);
  // Weights are read only once the topology is known to be streamable, so refusals explain the layer.
  const weights = readWeights(modelJson, readShard);

  // Assign weights to layers by the layer's name as a path segment when that splits the manifest
  // cleanly (every layer gets exactly its weights, none shared or left over); otherwise by order.
  // Names alone can be ambiguous: Keras 3 prefixes paths with the model name, which may equal a
  // layer's name (a model "gru" with a layer "gru").
  const tensors = new Map<string, Float32Array>();
  const expected = weightShapes(resolved);
  const owners = [...layerNames.map((n) => ({ name: n, count: resolved.useBias ? 3 : 2 })), { name: head.name, count: head.useBias ? 2 : 1 }];
  const byName = owners.map((o) => weights.filter((w) => w.name.split('/').includes(o.name)));
  const claimed = new Set(byName.flat());
  const namesWork = byName.every((g, i) => g.length === owners[i].count) && claimed.size === weights.length && byName.flat().length === weights.length;
  let cursor = 0;
  const groups = owners.map((o, i) => {
    if (namesWork) return byName[i];
    const slice = weights.slice(cursor, cursor + o.count);
    cursor += o.count;
    return slice;
  });
  const assign = (target: string, entry: WeightEntry | undefined, source: string): void => {
    const shape = expected.find((e) => e.name === target)!.shape;
    if (entry === undefined) throw new KerasImportError(`weights for ${q(source)} are missing (${target} [${shape.join(', ')}])`);
    if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
      throw new KerasImportError(`weight ${q(entry.name)} has shape [${entry.shape.join(', ')}]; ${target} needs [${shape.join(', ')}]`);
    }
    tensors.set(target, entry.data);
  };
  layerNames.forEach((layerName, i) => {
    const w = groups[i];
    assign(`layer${i}/kernel`, w[0], layerName);
    assign(`layer${i}/recurrent_kernel`, w[1], layerName);
    if (resolved.useBias) assign(`layer${i}/bias`, w[2], layerName);
  });
  const hw = groups[groups.length - 1];
  assign('head/kernel', hw[0], head.name);
  if (head.useBias) assign('head/bias', hw[1], head.name);
  else tensors.set('head/bias', new Float32Array(headUnits));
  const used = new Set([...tensors.values()]);
  const unused = weights.filter((w) => !used.has(w.data));
  if (unused.length > 0) throw new KerasImportError(`weights not matched to any layer: ${unused.map((w) => w.name).join(', ')}`);

  return createBundle({ name: options.name ?? modelName, spec: resolved, tensors });
}

/** Reads model.json and its shards from disk (shard paths relative to model.json). */
export async function loadKerasModel(modelJsonPath: string, options: KerasImportOptions = {}): Promise<WeightsBundle> {
  const json: unknown = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  const dir = dirname(modelJsonPath);
  const shards = new Map<string, Uint8Array>();
  for (const group of manifestGroups(json)) {
    for (const p of group.paths) shards.set(p, await readFile(join(dir, p)));
  }
  return importKerasModel(json, (p) => shards.get(p)!, options);
}

function readTopology(json: unknown): { layers: KerasLayer[]; modelName: string; inputShape: number[] | null; keras3: boolean } {
  const root = (json as { modelTopology?: unknown })?.modelTopology ?? json;
  const model = ((root as { model_config?: unknown })?.model_config ?? root) as Record<string, unknown> | null;
  if (typeof model !== 'object' || model === null) throw new KerasImportError('model.json has no modelTopology');
  const className = model['class_name'];
  if (className !== 'Sequential') {
    throw new KerasImportError(`only Sequential models can be imported, got class_name ${q(className)}`);
  }
  const config = model['config'];
  const rawLayers = Array.isArray(config) ? (config as unknown[]) : (config as { layers?: unknown })?.layers;
  if (!Array.isArray(rawLayers)) throw new KerasImportError('Sequential model has no layers list (config.layers)');
  let keras3 = 'module' in model || /^3\./.test(String((root as { keras_version?: string }).keras_version));
  const layers = rawLayers.map((l: unknown) => {
    const layer = l as { class_name?: unknown; config?: unknown; module?: unknown };
    if (typeof layer?.class_name !== 'string' || typeof layer.config !== 'object' || layer.config === null) {
      throw new KerasImportError(`malformed layer entry ${q(l).slice(0, 200)}`);
    }
    if ('module' in layer) keras3 = true;
    return { className: layer.class_name, config: layer.config as Record<string, unknown> };
  });
  const c = (Array.isArray(config) ? {} : config) as Record<string, unknown>;
  const buildShape = c['build_input_shape'] ?? (model['build_config'] as { input_shape?: unknown } | undefined)?.input_shape;
  return {
    layers,
    modelName: typeof c['name'] === 'string' ? c['name'] : 'keras-model',
    inputShape: Array.isArray(buildShape) ? (buildShape as number[]) : null,
    keras3,
  };
}

function manifestGroups(json: unknown): { paths: string[]; weights: { name: string; shape: number[]; dtype?: string }[] }[] {
  const groups = (json as { weightsManifest?: unknown })?.weightsManifest;
  if (!Array.isArray(groups)) throw new KerasImportError('model.json has no weightsManifest');
  return groups as { paths: string[]; weights: { name: string; shape: number[]; dtype?: string }[] }[];
}

function readWeights(json: unknown, readShard: (path: string) => Uint8Array): WeightEntry[] {
  const out: WeightEntry[] = [];
  for (const group of manifestGroups(json)) {
    const parts = group.paths.map((p) => {
      const bytes = readShard(p);
      if (bytes === undefined) throw new KerasImportError(`weight shard ${q(p)} is missing`);
      return bytes;
    });
    const total = parts.reduce((a, b) => a + b.length, 0);
    const buf = Buffer.concat(parts, total);
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== undefined && w.dtype !== 'float32') {
        throw new KerasImportError(`weight ${q(w.name)} has dtype ${q(w.dtype)}; only float32 (unquantised) weights are supported`);
      }
      const n = shapeSize(w.shape);
      if (offset + 4 * n > buf.length) throw new KerasImportError(`weight shards end before weight ${q(w.name)} (need ${offset + 4 * n} bytes, have ${buf.length})`);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(offset + 4 * i);
      offset += 4 * n;
      out.push({ name: w.name, shape: w.shape, data });
    }
    if (offset !== buf.length) throw new KerasImportError(`weight shards hold ${buf.length} bytes but the manifest describes ${offset}`);
  }
  return out;
}
