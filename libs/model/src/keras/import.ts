import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { WeightsBundle } from '../bundle/bundle';
import type { ImportOptions } from '../import/keras-weights';
import { importTfjsLayers, manifestGroups } from '../import/tfjs-layers';

/**
 * The TF.js layers-format entry points this library has always had; the readers live in
 * ../import (Keras `.keras` and `.h5`, TF.js, PyTorch), and `importModelFile` picks one by file.
 */
export type KerasImportOptions = ImportOptions;

/** Imports from a parsed model.json and a reader for its weight shards (paths as in weightsManifest). */
export function importKerasModel(modelJson: unknown, readShard: (path: string) => Uint8Array, options: KerasImportOptions = {}): WeightsBundle {
  return importTfjsLayers(modelJson, readShard, options);
}

/** Reads model.json and its shards from disk (shard paths relative to model.json). */
export async function loadKerasModel(modelJsonPath: string, options: KerasImportOptions = {}): Promise<WeightsBundle> {
  const json: unknown = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  const dir = dirname(modelJsonPath);
  const shards = new Map<string, Uint8Array>();
  for (const group of manifestGroups(json)) {
    for (const p of group.paths) shards.set(p, await readFile(join(dir, p)));
  }
  return importTfjsLayers(json, (p) => shards.get(p), options);
}
