import type { WeightsBundle } from '../bundle/bundle';
import { KerasImportError } from '../errors';
import { shapeSize } from '../spec/shapes';
import { readKerasModel } from './keras-config';
import { type ImportOptions, kerasBundle, type WeightEntry } from './keras-weights';

/**
 * TF.js layers format (model.json + weight shards) as tensorflowjs_converter writes it: from a
 * tf.keras 2 `.h5` (weights named `<layer>/<cell>/kernel`) or a Keras 3 `.keras` (named by save
 * path, `layers/<class>[_n]/cell/vars/<i>`, sorted alphabetically, with the optimizer's variables
 * — an int32 iteration counter among them — when the model was compiled).
 */

interface ManifestWeight {
  readonly name: string;
  readonly shape: number[];
  readonly dtype?: string;
  readonly quantization?: { readonly dtype?: string };
}
interface ManifestGroup {
  readonly paths: string[];
  readonly weights: ManifestWeight[];
}

/** Bytes per element as stored (quantised weights keep their quantised width). */
const STORED_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, int8: 1, int16: 2 };

export function manifestGroups(json: unknown): ManifestGroup[] {
  const groups = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(groups)) throw new KerasImportError('model.json has no weightsManifest');
  return groups as ManifestGroup[];
}

/**
 * Refuses a shard path listed twice. The converter writes each shard once (group<i>-shard<j>of<n>.bin);
 * listed again, its bytes would be concatenated and decoded once per listing (a 4 MiB shard listed
 * 300 times made 1.4 GB), while the size checks below compare with the bytes as listed.
 */
function checkShardPaths(groups: readonly ManifestGroup[]): void {
  const seen = new Set<string>();
  for (const p of groups.flatMap((g) => g.paths)) {
    if (seen.has(p)) throw new KerasImportError(`weight shard ${JSON.stringify(p)} is listed more than once in weightsManifest: each shard holds its own weights`);
    seen.add(p);
  }
}

function readWeights(json: unknown, readShard: (path: string) => Uint8Array | undefined): WeightEntry[] {
  const out: WeightEntry[] = [];
  const groups = manifestGroups(json);
  checkShardPaths(groups);
  for (const group of groups) {
    const parts = group.paths.map((p) => {
      const bytes = readShard(p);
      if (bytes === undefined) throw new KerasImportError(`weight shard ${JSON.stringify(p)} is missing`);
      return bytes;
    });
    const buf = Buffer.concat(parts);
    let offset = 0;
    for (const w of group.weights) {
      const quantised = w.quantization?.dtype;
      const dtype = quantised !== undefined ? `${w.dtype ?? 'float32'} quantised to ${quantised}` : (w.dtype ?? 'float32');
      const width = STORED_BYTES[quantised ?? w.dtype ?? 'float32'];
      if (width === undefined) throw new KerasImportError(`weight ${JSON.stringify(w.name)} has dtype ${JSON.stringify(dtype)}, which this reader cannot size`);
      const bytes = width * shapeSize(w.shape);
      if (offset + bytes > buf.length) throw new KerasImportError(`weight shards end before weight ${JSON.stringify(w.name)} (need ${offset + bytes} bytes, have ${buf.length})`);
      let data: Float32Array | null = null;
      if (dtype === 'float32') {
        data = new Float32Array(shapeSize(w.shape));
        for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(offset + 4 * i);
      }
      out.push({ name: w.name, shape: w.shape, dtype, data });
      offset += bytes;
    }
    if (offset !== buf.length) throw new KerasImportError(`weight shards hold ${buf.length} bytes but the manifest describes ${offset}`);
  }
  return out;
}

/** Imports from a parsed model.json and a reader for its weight shards (paths as in weightsManifest). */
export function importTfjsLayers(modelJson: unknown, readShard: (path: string) => Uint8Array | undefined, options: ImportOptions = {}): WeightsBundle {
  // The topology first: refusals (Bidirectional, go_backwards…) name the layer before any weight is read.
  const model = readKerasModel(modelJson);
  return kerasBundle(model, readWeights(modelJson, readShard), options);
}
