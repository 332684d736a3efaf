import { Dataset, File, Group } from 'jsfive';
import { KerasImportError } from '../errors';
import type { WeightEntry } from './keras-weights';

/**
 * HDF5 through jsfive: pure JavaScript, synchronous, reads from a buffer (so a `.keras` zip's
 * model.weights.h5 never touches the disk), 1.7 MB with its one dependency (pako). h5wasm (the
 * HDF5 C library in WebAssembly) reads the same Keras files but is 15 MB, needs ~140 ms to start
 * and works on files in its own virtual file system. Keras writes plain contiguous or chunked
 * float datasets and string attributes, which is all jsfive has to handle here.
 */
export function openHdf5(bytes: Uint8Array, what: string): File {
  try {
    return new File(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, what);
  } catch (cause) {
    throw new KerasImportError(`${what} is not a readable HDF5 file: ${(cause as Error).message}`, { cause });
  }
}

/** '<f4' → float32 etc. (numpy codes, as jsfive reports them). */
function dtypeName(dtype: string | object): string {
  const names: Record<string, string> = { '<f4': 'float32', '<f8': 'float64', '<f2': 'float16', '<i8': 'int64', '<i4': 'int32', '<i2': 'int16', '|u1': 'uint8', '|b1': 'bool' };
  return typeof dtype === 'string' ? (names[dtype] ?? dtype) : 'compound';
}

export function datasetEntry(d: Dataset, name: string, owner?: string): WeightEntry {
  const dtype = dtypeName(d.dtype);
  return { name, shape: [...d.shape], dtype, data: dtype === 'float32' ? Float32Array.from(d.value) : null, ...(owner === undefined ? {} : { owner }) };
}

/** Every dataset under a group, with its path relative to the file root, in storage order. */
export function allDatasets(group: Group, prefix = ''): WeightEntry[] {
  const out: WeightEntry[] = [];
  for (const key of group.keys) {
    const child = group.get(key);
    const path = prefix === '' ? key : `${prefix}/${key}`;
    if (child instanceof Group) out.push(...allDatasets(child, path));
    else if (child instanceof Dataset) out.push(datasetEntry(child, path));
  }
  return out;
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
