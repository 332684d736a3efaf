import { KerasImportError } from '../errors';
import { type ActivationName, isActivationName } from '../spec/activations';
import type { CellKind } from '../spec/spec';
import type { LayerSpec } from '../spec/stack';

/**
 * Reads a Keras Sequential model's configuration — as every Keras file carries it: config.json in
 * a `.keras` zip, the `model_config` attribute of a legacy `.h5`, `modelTopology` in TF.js
 * model.json — into the streamable stack it describes. Both layouts are accepted: tf.keras 2
 * (`class_name`/`config`, `batch_input_shape`) and Keras 3 (`module`, `registered_name`,
 * `batch_shape`, `build_config`). Keras semantics are kept where tfjs-layers differs (GRU
 * reset_after, sigmoid recurrent activation, Keras 3's hard_sigmoid).
 */

const RECURRENT: Readonly<Record<string, CellKind>> = { SimpleRNN: 'simple', LSTM: 'lstm', GRU: 'gru' };
/** Layers that are the identity at inference time. */
const INFERENCE_NOOP = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']);
const NOT_CAUSAL_ATTENTION = 'attention layers look at the whole sequence, including future events, so they cannot run one event at a time';
const NOT_CAUSAL_POOLING = 'pooling over time needs the whole sequence, so it cannot run one event at a time';
const NON_CAUSAL: Readonly<Record<string, string>> = {
  Bidirectional:
    'a Bidirectional layer is not causal: its backward direction reads the whole sequence from the end, i.e. future events, so it cannot run one event at a time',
  Attention: NOT_CAUSAL_ATTENTION,
  AdditiveAttention: NOT_CAUSAL_ATTENTION,
  MultiHeadAttention: NOT_CAUSAL_ATTENTION,
  GlobalAveragePooling1D: NOT_CAUSAL_POOLING,
  GlobalMaxPooling1D: NOT_CAUSAL_POOLING,
  Flatten: 'Flatten mixes all time steps into one vector, so the model cannot run one event at a time',
};

export interface KerasLayer {
  readonly className: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
}

/** A recurrent layer or the head, with the Keras layer it came from (weights are found by it). */
export interface StackLayer {
  readonly layer: KerasLayer;
  readonly spec: LayerSpec;
}

export interface KerasHead {
  readonly layer: KerasLayer;
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
}

export interface KerasModel {
  readonly modelName: string;
  /** Every layer in order, InputLayer excluded (Keras 3 derives saved weight paths from this list). */
  readonly layers: readonly KerasLayer[];
  readonly stack: readonly StackLayer[];
  readonly head: KerasHead;
  readonly inputWidth: number;
  readonly keras3: boolean;
}

const q = (v: unknown): string => JSON.stringify(v) ?? String(v);

/**
 * `config`: the Sequential model config ({class_name: 'Sequential', config: {...}}), possibly
 * wrapped as TF.js does ({modelTopology: {model_config}}). `kerasVersion` from the file when it
 * says (legacy .h5 attribute), to pick Keras 3's hard_sigmoid.
 */
export function readKerasModel(json: unknown, kerasVersion?: string): KerasModel {
  const root = (json as { modelTopology?: unknown } | null)?.modelTopology ?? json;
  const model = ((root as { model_config?: unknown } | null)?.model_config ?? root) as Record<string, unknown> | null;
  if (typeof model !== 'object' || model === null) throw new KerasImportError('the file has no Keras model configuration');
  const className = model['class_name'];
  if (className !== 'Sequential') {
    throw new KerasImportError(`only Sequential models can be imported, got class_name ${q(className)}`);
  }
  const config = model['config'];
  const rawLayers = Array.isArray(config) ? (config as unknown[]) : (config as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(rawLayers)) throw new KerasImportError('Sequential model has no layers list (config.layers)');
  const version = kerasVersion ?? (root as { keras_version?: unknown }).keras_version;
  let keras3 = 'module' in model || /^3\./.test(String(version));
  const layers = rawLayers.map((l: unknown): KerasLayer => {
    const layer = l as { class_name?: unknown; config?: unknown; module?: unknown };
    if (typeof layer?.class_name !== 'string' || typeof layer.config !== 'object' || layer.config === null) {
      throw new KerasImportError(`malformed layer entry ${q(l).slice(0, 200)}`);
    }
    if ('module' in layer) keras3 = true;
    const cfg = layer.config as Record<string, unknown>;
    return { className: layer.class_name, name: typeof cfg['name'] === 'string' ? cfg['name'] : layer.class_name, config: cfg };
  });
  const c = (Array.isArray(config) ? {} : config) as Record<string, unknown>;
  const buildShape = c['build_input_shape'] ?? (model['build_config'] as { input_shape?: unknown } | undefined)?.input_shape;
  const modelName = typeof c['name'] === 'string' ? c['name'] : 'keras-model';
  return { modelName, ...readStack(layers, keras3, Array.isArray(buildShape) ? (buildShape as number[]) : null), keras3 };
}

function readStack(all: KerasLayer[], keras3: boolean, buildShape: number[] | null): Omit<KerasModel, 'modelName' | 'keras3'> {
  const act = (value: unknown, layer: string, field: string): ActivationName => {
    const raw = typeof value === 'string' ? value : ((value as { config?: { name?: unknown } } | null)?.config?.name ?? value);
    const name = raw === 'hard_sigmoid' && keras3 ? 'hard_sigmoid_keras3' : raw;
    if (!isActivationName(name)) throw new KerasImportError(`layer ${q(layer)}: ${field} ${q(raw)} is not supported`);
    return name;
  };
  let inputWidth = buildShape?.[buildShape.length - 1] ?? null;
  const layers: KerasLayer[] = [];
  const stack: StackLayer[] = [];
  let head: KerasHead | null = null;
  for (const layer of all) {
    const { className, config, name } = layer;
    const shape = config['batch_shape'] ?? config['batch_input_shape'];
    if (className === 'InputLayer') {
      if (Array.isArray(shape)) inputWidth = shape[shape.length - 1] as number;
      continue;
    }
    layers.push(layer);
    if (inputWidth === null && Array.isArray(shape)) inputWidth = shape[shape.length - 1] as number;
    if (INFERENCE_NOOP.has(className)) continue;
    if (className in NON_CAUSAL) throw new KerasImportError(`cannot import ${q(name)} for streaming: ${NON_CAUSAL[className]}`);
    if (head !== null) throw new KerasImportError(`layer ${q(name)} (${className}) follows the Dense head; only a single final Dense layer is supported`);
    const cell = RECURRENT[className];
    if (cell !== undefined) {
      if (config['go_backwards'] === true) {
        throw new KerasImportError(`layer ${q(name)} has go_backwards=true: it reads the sequence from the end (future events first), which is not causal`);
      }
      const units = config['units'];
      if (typeof units !== 'number' || !Number.isInteger(units)) throw new KerasImportError(`layer ${q(name)} has no integer units: ${q(units)}`);
      stack.push({
        layer,
        spec: {
          cell,
          units,
          activation: act(config['activation'] ?? 'tanh', name, 'activation'),
          ...(cell === 'simple' ? {} : { recurrentActivation: act(config['recurrent_activation'] ?? 'sigmoid', name, 'recurrent_activation') }),
          useBias: config['use_bias'] !== false,
          // Keras 2 (TF2) and 3 default reset_after to true; every saved config states it.
          ...(cell === 'gru' ? { resetAfter: config['reset_after'] !== false } : {}),
        },
      });
      continue;
    }
    if (className === 'Dense') {
      if (stack.length === 0) throw new KerasImportError(`Dense layer ${q(name)} comes before any recurrent layer; the head must follow the stack`);
      const units = config['units'];
      if (typeof units !== 'number' || !Number.isInteger(units)) throw new KerasImportError(`layer ${q(name)} has no integer units: ${q(units)}`);
      head = { layer, units, activation: act(config['activation'] ?? 'linear', name, 'activation'), useBias: config['use_bias'] !== false };
      continue;
    }
    throw new KerasImportError(
      `layer ${q(name)} of type ${className} is not streamable here: only SimpleRNN/LSTM/GRU stacks (optionally with Dropout) and a final Dense head can run one event at a time`,
    );
  }
  if (stack.length === 0) throw new KerasImportError('the model has no SimpleRNN, LSTM or GRU layer');
  if (head === null) throw new KerasImportError('the model has no Dense head after its recurrent layers');
  if (typeof inputWidth !== 'number') throw new KerasImportError('the model declares no input shape (InputLayer batch_shape or batch_input_shape)');
  return { layers, stack, head, inputWidth };
}
