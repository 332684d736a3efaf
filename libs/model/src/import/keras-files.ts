import { strFromU8 } from 'fflate';
import { Dataset, type File, Group } from 'jsfive';
import type { WeightsBundle } from '../bundle/bundle';
import { KerasImportError } from '../errors';
import { Hdf5File, stringAttr, stringListAttr } from './hdf5';
import { readKerasModel } from './keras-config';
import { type ImportOptions, kerasBundle, type WeightEntry } from './keras-weights';
import { unzipEntries } from './zip';

/**
 * Keras 3 `.keras`: a zip holding config.json (the model config) and model.weights.h5 (each
 * layer's variables under `layers/<save path>/[cell/]vars/<i>`, plus `optimizer/...` when the
 * model was compiled). Unzipped in memory with fflate: pure JS, no dependencies, synchronous;
 * yauzl streams from a file descriptor, more than a few-kB model file needs. unzipEntries checks
 * the counts and sizes the zip declares before fflate loops or allocates by them.
 */
export function importKerasV3(bytes: Uint8Array, options: ImportOptions = {}): WeightsBundle {
  const files = unzipEntries(bytes, ['config.json', 'model.weights.h5', 'metadata.json']);
  const config = files['config.json'];
  const weights = files['model.weights.h5'];
  if (config === undefined || weights === undefined) {
    throw new KerasImportError(`a .keras file holds config.json and model.weights.h5; this one has ${Object.keys(files).join(', ') || 'neither'}`);
  }
  const meta = files['metadata.json'] === undefined ? {} : (JSON.parse(strFromU8(files['metadata.json'])) as { keras_version?: string });
  const model = readKerasModel(JSON.parse(strFromU8(config)) as unknown, meta.keras_version ?? '3');
  const h5 = Hdf5File.open(weights, 'model.weights.h5');
  return kerasBundle(model, h5.read(() => h5.allDatasets()), options);
}

/**
 * Legacy `.h5` from `model.save('m.h5')` (tf.keras 2, or Keras 3's legacy writer): the config in
 * the `model_config` attribute, weights in `model_weights/<layer>/` listed by its `weight_names`
 * attribute. Optimizer state lives apart (`optimizer_weights`) and is not read.
 */
export function importKerasH5(bytes: Uint8Array, options: ImportOptions = {}): WeightsBundle {
  const h5 = Hdf5File.open(bytes, 'the .h5 file');
  const { config, version } = h5.read((file) => ({ config: stringAttr(file.attrs, 'model_config'), version: stringAttr(file.attrs, 'keras_version') }));
  if (config === undefined) {
    throw new KerasImportError('the .h5 file has no model_config attribute: it holds weights only (save_weights); save the whole model with model.save("model.h5") or model.save("model.keras")');
  }
  const model = readKerasModel(JSON.parse(config) as unknown, version);
  return kerasBundle(model, h5.read((file) => legacyWeights(h5, file)), options);
}

/** The weights of a legacy .h5, layer by layer as `layer_names` and each layer's `weight_names` list them. */
function legacyWeights(h5: Hdf5File, file: File): WeightEntry[] {
  // Checked by name first: jsfive throws a string for a missing member, which would read as corruption.
  const root = file.keys.includes('model_weights') ? h5.child(file, 'model_weights') : undefined;
  if (!(root instanceof Group)) throw new KerasImportError('the .h5 file has no model_weights group');
  const weights: WeightEntry[] = [];
  for (const layer of stringListAttr(root.attrs, 'layer_names') ?? root.keys) {
    const group = h5.child(root, layer);
    if (!(group instanceof Group)) continue;
    for (const name of stringListAttr(group.attrs, 'weight_names') ?? []) {
      const d = h5.child(group, name);
      if (!(d instanceof Dataset)) throw new KerasImportError(`weight ${JSON.stringify(name)} of layer ${JSON.stringify(layer)} is listed but missing`);
      weights.push(h5.entry(d, name, layer));
    }
  }
  return weights;
}
