import { createBundle, type WeightsBundle } from '../bundle/bundle';
import { KerasImportError } from '../errors';
import { type ModelSpec, type OutputMeaning, resolveSpec } from '../spec/spec';
import { weightShapes } from '../spec/shapes';
import type { KerasLayer, KerasModel } from './keras-config';

/** One stored weight, as a file lists it. `data` is null for non-float32 weights (refused if used). */
export interface WeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly data: Float32Array | null;
  /** The layer that owns it when the file says so directly (legacy .h5 groups weights by layer). */
  readonly owner?: string;
}

export interface ImportOptions {
  /** Bundle name. Default: the model's name. */
  readonly name?: string;
  /** Meaning of the head's outputs. Default next-values when head units <= input width, else raw. */
  readonly output?: OutputMeaning;
}

const q = (v: unknown): string => JSON.stringify(v) ?? String(v);
/** Optimizer state saved beside the model (Keras 3 `optimizer/vars/<i>`, an int iteration counter among them). */
const isOptimizerState = (name: string): boolean => /(^|\/)optimizer(\/|$)/.test(name);

/** Keras 3's naming.to_snake_case, which names each layer's folder in a saved file. */
export function kerasSnakeCase(className: string): string {
  return className.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The folder Keras 3 saves each layer's variables under (`layers/<path>/...`): the layer class in
 * snake case, with `_1`, `_2`… for later layers of the same class, in model order — whatever the
 * layers are called. (keras/src/saving/saving_lib.py, _save_container_state.)
 */
export function keras3SavePaths(layers: readonly KerasLayer[]): Map<KerasLayer, string> {
  const used = new Map<string, number>();
  const out = new Map<KerasLayer, string>();
  for (const layer of layers) {
    const base = kerasSnakeCase(layer.className);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    out.set(layer, n === undefined ? base : `${base}_${n + 1}`);
  }
  return out;
}

const KERAS3_PATH = /(?:^|\/)layers\/([^/]+)\/(?:cell\/)?vars\/(\d+)$/;
const ROLES_RECURRENT = ['kernel', 'recurrent_kernel', 'bias'] as const;
const ROLES_DENSE = ['kernel', 'bias'] as const;

/**
 * Finds each layer's weights by structure, never by luck of naming:
 * - Keras 3 saved files (`.keras`, and TF.js converted from them): `layers/<save path>/[cell/]vars/<i>`,
 *   the save path derived from the layer's class and position, `i` the variable's order;
 * - tf.keras 2 and legacy `.h5`: the layer that owns the weight (its group, or the last path segment
 *   naming a layer) and the weight's own name (`kernel`, `recurrent_kernel`, `bias`).
 * Optimizer state is ignored. Any other weight left over is an error, as is a missing or misshapen one.
 */
function weightsByLayer(model: KerasModel, weights: readonly WeightEntry[]): Map<KerasLayer, Map<string, WeightEntry>> {
  const owners = [...model.stack.map((s) => s.layer), model.head.layer];
  const found = new Map<KerasLayer, Map<string, WeightEntry>>(owners.map((l) => [l, new Map()]));
  const savePaths = keras3SavePaths(model.layers);
  const byPath = new Map([...savePaths].map(([layer, path]) => [path, layer]));
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const leftover: string[] = [];
  for (const w of weights) {
    if (isOptimizerState(w.name)) continue;
    let layer: KerasLayer | undefined;
    let role: string | undefined;
    const k3 = KERAS3_PATH.exec(w.name);
    if (k3 !== null && w.owner === undefined) {
      layer = byPath.get(k3[1]);
      const roles = layer?.className === 'Dense' ? ROLES_DENSE : ROLES_RECURRENT;
      role = roles[Number(k3[2])];
    } else {
      const segments = w.name.replace(/:\d+$/, '').split('/');
      role = segments[segments.length - 1];
      const ownerName = w.owner ?? [...segments.slice(0, -1)].reverse().find((s) => byName.has(s));
      layer = ownerName === undefined ? undefined : byName.get(ownerName);
    }
    const slot = layer === undefined ? undefined : found.get(layer);
    if (slot === undefined || role === undefined || slot.has(role)) {
      leftover.push(w.name);
      continue;
    }
    slot.set(role, w);
  }
  if (leftover.length > 0) throw new KerasImportError(`weights not matched to any layer: ${leftover.join(', ')}`);
  return found;
}

/** Builds the bundle: the stack's spec, and each layer's weights checked against the shapes it implies. */
export function kerasBundle(model: KerasModel, weights: readonly WeightEntry[], options: ImportOptions = {}): WeightsBundle {
  const headUnits = model.head.units;
  const spec: ModelSpec = {
    stack: model.stack.map((s) => s.spec),
    inputWidth: model.inputWidth,
    head: { units: headUnits, activation: model.head.activation },
    output: options.output ?? (headUnits <= model.inputWidth ? { kind: 'next-values' } : { kind: 'raw' }),
  };
  const resolved = resolveSpec(spec);
  const expected = new Map(weightShapes(resolved).map((e) => [e.name, e.shape]));
  const found = weightsByLayer(model, weights);
  const tensors = new Map<string, Float32Array>();
  const take = (layer: KerasLayer, role: string, target: string): void => {
    const shape = expected.get(target)!;
    const w = found.get(layer)!.get(role);
    if (w === undefined) throw new KerasImportError(`layer ${q(layer.name)} has no ${role} weight (${target} [${shape.join(', ')}])`);
    if (w.data === null || w.dtype !== 'float32') {
      throw new KerasImportError(`weight ${q(w.name)} has dtype ${q(w.dtype)}; only float32 (unquantised) weights are supported`);
    }
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      throw new KerasImportError(`weight ${q(w.name)} of layer ${q(layer.name)} has shape [${w.shape.join(', ')}]; ${target} needs [${shape.join(', ')}]`);
    }
    tensors.set(target, w.data);
  };
  model.stack.forEach(({ layer, spec: ls }, i) => {
    take(layer, 'kernel', `layer${i}/kernel`);
    take(layer, 'recurrent_kernel', `layer${i}/recurrent_kernel`);
    if (ls.useBias !== false) take(layer, 'bias', `layer${i}/bias`);
  });
  take(model.head.layer, 'kernel', 'head/kernel');
  if (model.head.useBias) take(model.head.layer, 'bias', 'head/bias');
  else tensors.set('head/bias', new Float32Array(headUnits));
  for (const [layer, roles] of found) {
    const used = new Set(tensors.values());
    const extra = [...roles.values()].filter((w) => w.data === null || !used.has(w.data));
    if (extra.length > 0) throw new KerasImportError(`layer ${q(layer.name)} has weights its config does not explain: ${extra.map((w) => w.name).join(', ')}`);
  }
  return createBundle({ name: options.name ?? model.modelName, spec: resolved, tensors });
}
