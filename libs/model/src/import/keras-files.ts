import { strFromU8, unzipSync } from 'fflate';
import { Dataset, Group } from 'jsfive';
import type { WeightsBundle } from '../bundle/bundle';
import { KerasImportError } from '../errors';
import { allDatasets, datasetEntry, openHdf5, stringAttr, stringListAttr } from './hdf5';
import { readKerasModel } from './keras-config';
import { type ImportOptions, kerasBundle, type WeightEntry } from './keras-weights';

/**
 * Keras 3 `.keras`: a zip holding config.json (the model config) and model.weights.h5 (each
 * layer's variables under `layers/<save path>/[cell/]vars/<i>`, plus `optimizer/...` when the
 * model was compiled). Unzipped in memory with fflate: pure JS, no dependencies, synchronous;
 * yauzl streams from a file descriptor, more than a few-kB model file needs.
 */
export function importKerasV3(bytes: Uint8Array, options: ImportOptions = {}): WeightsBundle {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => f.name === 'config.json' || f.name === 'model.weights.h5' || f.name === 'metadata.json' });
  } catch (cause) {
    throw new KerasImportError(`not a .keras file (a zip archive): ${(cause as Error).message}`, { cause });
  }
  const config = files['config.json'];
  const weights = files['model.weights.h5'];
  if (config === undefined || weights === undefined) {
    throw new KerasImportError(`a .keras file holds config.json and model.weights.h5; this one has ${Object.keys(files).join(', ') || 'neither'}`);
  }
  const meta = files['metadata.json'] === undefined ? {} : (JSON.parse(strFromU8(files['metadata.json'])) as { keras_version?: string });
  const model = readKerasModel(JSON.parse(strFromU8(config)) as unknown, meta.keras_version ?? '3');
  return kerasBundle(model, allDatasets(openHdf5(weights, 'model.weights.h5')), options);
}

/**
 * Legacy `.h5` from `model.save('m.h5')` (tf.keras 2, or Keras 3's legacy writer): the config in
 * the `model_config` attribute, weights in `model_weights/<layer>/` listed by its `weight_names`
 * attribute. Optimizer state lives apart (`optimizer_weights`) and is not read.
 */
export function importKerasH5(bytes: Uint8Array, options: ImportOptions = {}): WeightsBundle {
  const file = openHdf5(bytes, 'the .h5 file');
  const config = stringAttr(file.attrs, 'model_config');
  if (config === undefined) {
    throw new KerasImportError('the .h5 file has no model_config attribute: it holds weights only (save_weights); save the whole model with model.save("model.h5") or model.save("model.keras")');
  }
  const model = readKerasModel(JSON.parse(config) as unknown, stringAttr(file.attrs, 'keras_version'));
  const root = file.get('model_weights');
  if (!(root instanceof Group)) throw new KerasImportError('the .h5 file has no model_weights group');
  const weights: WeightEntry[] = [];
  for (const layer of stringListAttr(root.attrs, 'layer_names') ?? root.keys) {
    const group = root.get(layer);
    if (!(group instanceof Group)) continue;
    for (const name of stringListAttr(group.attrs, 'weight_names') ?? []) {
      const d = group.get(name);
      if (!(d instanceof Dataset)) throw new KerasImportError(`weight ${JSON.stringify(name)} of layer ${JSON.stringify(layer)} is listed but missing`);
      weights.push(datasetEntry(d, name, layer));
    }
  }
  return kerasBundle(model, weights, options);
}
