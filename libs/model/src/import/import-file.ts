import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { WeightsBundle } from '../bundle/bundle';
import { KerasImportError } from '../errors';
import { importKerasH5, importKerasV3 } from './keras-files';
import type { ImportOptions } from './keras-weights';
import { importPyTorch } from './pytorch';
import { importTfjsLayers, manifestGroups } from './tfjs-layers';

/** What a model file is, by its first bytes (names lie less often than extensions, but both are checked). */
export type ModelFileKind = 'keras' | 'h5' | 'tfjs' | 'safetensors';

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function detectModelFile(path: string, head: Uint8Array): ModelFileKind {
  if (head[0] === 0x50 && head[1] === 0x4b) return 'keras'; // "PK": a zip
  if (HDF5_MAGIC.every((b, i) => head[i] === b)) return 'h5';
  const ext = extname(path).toLowerCase();
  if (ext === '.safetensors') return 'safetensors';
  if (ext === '.json' || head[0] === 0x7b) return 'tfjs';
  throw new KerasImportError(
    `cannot tell what ${basename(path)} is: expected a Keras .keras (zip) or .h5 (HDF5) file, a TF.js model.json, or a PyTorch .safetensors state dict`,
  );
}

/**
 * Imports a model file of any supported kind: Keras 3 `.keras`, legacy Keras `.h5`, TF.js
 * `model.json` (+ shards beside it), PyTorch `.safetensors`. No Python involved.
 */
export async function importModelFile(path: string, options: ImportOptions = {}): Promise<{ bundle: WeightsBundle; kind: ModelFileKind }> {
  const bytes = new Uint8Array(await readFile(path));
  const kind = detectModelFile(path, bytes.subarray(0, 8));
  switch (kind) {
    case 'keras':
      return { kind, bundle: importKerasV3(bytes, options) };
    case 'h5':
      return { kind, bundle: importKerasH5(bytes, options) };
    case 'safetensors':
      return { kind, bundle: importPyTorch(bytes, options) };
    case 'tfjs': {
      // A SyntaxError, as loadKerasModel always threw: callers say "not valid JSON" with its detail.
      const json: unknown = JSON.parse(new TextDecoder().decode(bytes));
      const shards = new Map<string, Uint8Array>();
      for (const group of manifestGroups(json)) {
        for (const p of group.paths) {
          // Read once however often it is listed (the reader refuses repeats); a missing shard is reported by the reader, naming it.
          if (shards.has(p)) continue;
          const shard = await readFile(join(dirname(path), p)).then((b) => new Uint8Array(b), () => undefined);
          if (shard !== undefined) shards.set(p, shard);
        }
      }
      return { kind, bundle: importTfjsLayers(json, (p) => shards.get(p), options) };
    }
  }
}
