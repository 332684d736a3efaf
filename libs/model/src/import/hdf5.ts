import { Dataset, File, Group } from 'jsfive';
import { KerasImportError } from '../errors';
import type { WeightEntry } from './keras-weights';
import { expansionLimit, MAX_DECODED_BYTES, MAX_EXPANSION, MAX_HDF5_DEPTH, MAX_HDF5_OBJECTS } from './limits';

/** What a throw says: jsfive throws plain strings (whose `.message` is undefined) as well as Errors. */
const causeText = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

/**
 * HDF5 through jsfive: pure JavaScript, synchronous, reads from a buffer (so a `.keras` zip's
 * model.weights.h5 never touches the disk), 1.7 MB with its one dependency (pako). h5wasm (the
 * HDF5 C library in WebAssembly) reads the same Keras files but is 15 MB, needs ~140 ms to start
 * and works on files in its own virtual file system. Keras writes plain contiguous or chunked
 * float datasets and string attributes, which is all jsfive has to handle here.
 *
 * Hdf5File holds an open file and what may still be decoded from it, because jsfive trusts the file: it allocates a
 * dataset by its declared shape (a few-kB file declaring 10⁸ floats costs gigabytes: a JS array of
 * them, then our Float32Array), follows links round a cycle until the stack overflows, and throws
 * strings or DataView RangeErrors on corrupt bytes. Reads go through here, which checks the first
 * two and turns the last into a KerasImportError saying the file is corrupt.
 */
export class Hdf5File {
  /** Float32 bytes that may still be decoded: what the file's bytes can expand to (see limits.ts). */
  private budget: number;
  private objects = 0;

  private constructor(readonly file: File, readonly what: string, fileBytes: number) {
    this.budget = expansionLimit(fileBytes);
  }

  static open(bytes: Uint8Array, what: string): Hdf5File {
    try {
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      return new Hdf5File(new File(buffer, what), what, bytes.byteLength);
    } catch (cause) {
      throw new KerasImportError(`${what} is not a readable HDF5 file: ${causeText(cause)}`, { cause });
    }
  }

  /** Runs a walk over the file; what jsfive throws on corrupt bytes becomes a KerasImportError. */
  read<T>(walk: (file: File) => T): T {
    try {
      return walk(this.file);
    } catch (cause) {
      if (cause instanceof KerasImportError) throw cause;
      throw new KerasImportError(`${this.what} is corrupt: ${causeText(cause)}`, { cause });
    }
  }

  /** A group's member, counted: hard links can make a small file a tree of exponentially many paths. */
  child(group: Group, key: string): Group | Dataset | undefined {
    if (++this.objects > MAX_HDF5_OBJECTS) throw new KerasImportError(`${this.what} is corrupt: it links more than ${MAX_HDF5_OBJECTS} objects`);
    return group.get(key);
  }

  /** A dataset as a weight; float32 values are read only once their declared size fits the budget. */
  entry(d: Dataset, name: string, owner?: string): WeightEntry {
    const dtype = dtypeName(d.dtype);
    const shape = [...d.shape];
    let data: Float32Array | null = null;
    if (dtype === 'float32') {
      const bytes = 4 * shape.reduce((a, b) => a * b, 1);
      if (!(bytes <= this.budget)) {
        throw new KerasImportError(
          `${this.what} is corrupt: dataset ${JSON.stringify(name)} declares shape [${shape.join(', ')}] (${bytes} bytes), ` +
            `more than the ${this.budget} left of what the file may decode to (${MAX_EXPANSION}× its size plus 1 MiB, ${MAX_DECODED_BYTES} bytes in all)`,
        );
      }
      this.budget -= bytes;
      data = Float32Array.from(d.value);
    }
    return { name, shape, dtype, data, ...(owner === undefined ? {} : { owner }) };
  }

  /** Every dataset under a group, with its path relative to the file root, in storage order. */
  allDatasets(group: Group = this.file, prefix = '', depth = 0): WeightEntry[] {
    if (depth > MAX_HDF5_DEPTH) throw new KerasImportError(`${this.what} is corrupt: groups nest deeper than ${MAX_HDF5_DEPTH} levels at ${JSON.stringify(prefix)} (a group linking to one that holds it?)`);
    const out: WeightEntry[] = [];
    for (const key of group.keys) {
      const child = this.child(group, key);
      const path = prefix === '' ? key : `${prefix}/${key}`;
      if (child instanceof Group) out.push(...this.allDatasets(child, path, depth + 1));
      else if (child instanceof Dataset) out.push(this.entry(child, path));
    }
    return out;
  }
}

/** '<f4' → float32 etc. (numpy codes, as jsfive reports them). */
function dtypeName(dtype: string | object): string {
  const names: Record<string, string> = { '<f4': 'float32', '<f8': 'float64', '<f2': 'float16', '<i8': 'int64', '<i4': 'int32', '<i2': 'int16', '|u1': 'uint8', '|b1': 'bool' };
  return typeof dtype === 'string' ? (names[dtype] ?? dtype) : 'compound';
}

/** A string attribute (h5py writes them as str or bytes; jsfive may give either). */
export function stringAttr(attrs: Record<string, unknown>, key: string): string | undefined {
  const v = attrs[key];
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return undefined;
}

export function stringListAttr(attrs: Record<string, unknown>, key: string): string[] | undefined {
  const v = attrs[key];
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) return undefined;
  return Array.from(v as ArrayLike<unknown>, (s) => (typeof s === 'string' ? s : new TextDecoder().decode(s as Uint8Array)));
}
