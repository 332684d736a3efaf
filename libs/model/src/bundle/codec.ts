import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import {
  BundleChecksumError,
  BundleFormatError,
  BundleShapeError,
  ModelSpecError,
  UnsupportedBundleVersionError,
} from '../errors';
import { resolveSpec, type ResolvedSpec } from '../spec/spec';
import { shapeSize, weightShapes } from '../spec/shapes';
import { validateTensors, type WeightsBundle } from './bundle';
import { type ByteRange, describeOverlap, findOverlap } from './byte-ranges';

/**
 * Binary layout (all integers little-endian):
 *   0  4 bytes  magic "SCWB"
 *   4  uint32   format version (BUNDLE_FORMAT_VERSION)
 *   8  uint32   manifest length M in bytes
 *  12  M bytes  manifest, UTF-8 JSON (BundleManifest)
 *      0–3 zero bytes so the data starts 4-byte aligned
 *      data     float32 little-endian; tensor i at manifest.tensors[i].offset bytes from data start
 */
export const BUNDLE_MAGIC = 'SCWB';
export const BUNDLE_FORMAT_VERSION = 1;
const HEADER_BYTES = 12;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

export interface BundleTensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Byte offset from the start of the data section. */
  readonly offset: number;
}

export interface BundleManifest {
  readonly name: string;
  readonly version: number;
  readonly parentVersion: number | null;
  readonly spec: ResolvedSpec;
  readonly tensors: readonly BundleTensorEntry[];
  /** Copy of spec.normalization, kept at the top level for people reading manifests. */
  readonly normalization: ResolvedSpec['normalization'];
  readonly metrics: Readonly<Record<string, number>>;
  readonly createdAt: string;
  /** Bytes in the data section. */
  readonly dataBytes: number;
  /** Hex sha256 of the data section. */
  readonly sha256: string;
}

export function encodeBundle(bundle: WeightsBundle): Buffer {
  validateTensors(bundle.spec, bundle.tensors);
  const entries: BundleTensorEntry[] = [];
  let offset = 0;
  for (const { name, shape } of weightShapes(bundle.spec)) {
    entries.push({ name, shape, offset });
    offset += shapeSize(shape) * 4;
  }
  const data = Buffer.alloc(offset);
  for (const e of entries) writeFloats(data, e.offset, bundle.tensors.get(e.name)!);
  const manifest: BundleManifest = {
    name: bundle.name,
    version: bundle.version,
    parentVersion: bundle.parentVersion,
    spec: bundle.spec,
    tensors: entries,
    normalization: bundle.spec.normalization,
    metrics: bundle.metrics,
    createdAt: bundle.createdAt,
    dataBytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  const pad = (4 - ((HEADER_BYTES + json.length) % 4)) % 4;
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(BUNDLE_MAGIC, 0, 'latin1');
  header.writeUInt32LE(BUNDLE_FORMAT_VERSION, 4);
  header.writeUInt32LE(json.length, 8);
  return Buffer.concat([header, json, Buffer.alloc(pad), data]);
}

/** Reads only the manifest (no checksum or tensor checks): for listing bundles cheaply. */
export function readBundleManifest(bytes: Uint8Array): BundleManifest {
  return parseHeader(bytes).manifest;
}

/**
 * Decodes and fully validates a bundle. Refuses, each with its own error: not a bundle or truncated
 * (BundleFormatError), unknown format version (UnsupportedBundleVersionError), data not matching its
 * sha256 (BundleChecksumError), tensors not matching the spec (BundleShapeError), NaN/Inf
 * (BundleNonFiniteError).
 */
export function decodeBundle(bytes: Uint8Array): WeightsBundle {
  const { manifest, dataStart } = parseHeader(bytes);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = buf.subarray(dataStart);
  if (data.length !== manifest.dataBytes) {
    throw new BundleFormatError(`data section is ${data.length} bytes, manifest says ${manifest.dataBytes} (truncated or padded file)`);
  }
  const digest = createHash('sha256').update(data).digest('hex');
  if (digest !== manifest.sha256) {
    throw new BundleChecksumError(`data sha256 ${digest} does not match manifest sha256 ${JSON.stringify(manifest.sha256)}`);
  }
  checkTensorTable(manifest.tensors, data.length);
  const shapes = new Map<string, readonly number[]>();
  const tensors = new Map<string, Float32Array>();
  for (const e of manifest.tensors) {
    shapes.set(e.name, e.shape);
    tensors.set(e.name, readFloats(data, e.offset, shapeSize(e.shape)));
  }
  validateTensors(manifest.spec, tensors, shapes);
  return {
    name: manifest.name,
    version: manifest.version,
    parentVersion: manifest.parentVersion,
    spec: manifest.spec,
    tensors,
    metrics: manifest.metrics,
    createdAt: manifest.createdAt,
  };
}

/**
 * Every tensor once, aligned, inside the data section and in bytes of its own: checked before any
 * is copied, since a table pointing many tensors at the same bytes copies them once each (500
 * entries over 4 MiB made `model inspect` allocate 2 GB before the spec check refused them).
 */
function checkTensorTable(entries: readonly BundleTensorEntry[], dataBytes: number): void {
  const names = new Set<string>();
  const ranges: ByteRange[] = [];
  for (const e of entries) {
    if (names.has(e.name)) throw new BundleShapeError(`tensor ${JSON.stringify(e.name)} appears twice in the tensor table`);
    names.add(e.name);
    const bytesLen = shapeSize(e.shape) * 4;
    if (e.offset % 4 !== 0 || e.offset < 0 || e.offset + bytesLen > dataBytes) {
      throw new BundleFormatError(`tensor ${JSON.stringify(e.name)} at offset ${e.offset} (+${bytesLen} bytes) lies outside the ${dataBytes}-byte data section`);
    }
    ranges.push({ name: e.name, begin: e.offset, end: e.offset + bytesLen });
  }
  const overlap = findOverlap(ranges);
  if (overlap !== undefined) throw new BundleFormatError(`tensors ${describeOverlap(overlap)} overlap in the data section`);
}

function parseHeader(bytes: Uint8Array): { manifest: BundleManifest; dataStart: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_BYTES || buf.toString('latin1', 0, 4) !== BUNDLE_MAGIC) {
    throw new BundleFormatError(`not a weights bundle: expected magic ${JSON.stringify(BUNDLE_MAGIC)}, got ${JSON.stringify(buf.toString('latin1', 0, Math.min(4, buf.length)))}`);
  }
  const version = buf.readUInt32LE(4);
  if (version !== BUNDLE_FORMAT_VERSION) {
    throw new UnsupportedBundleVersionError(`bundle format version ${version} is not supported (this build reads version ${BUNDLE_FORMAT_VERSION})`);
  }
  const len = buf.readUInt32LE(8);
  if (HEADER_BYTES + len > buf.length) throw new BundleFormatError(`manifest length ${len} exceeds the ${buf.length}-byte file`);
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8', HEADER_BYTES, HEADER_BYTES + len));
  } catch (cause) {
    throw new BundleFormatError('manifest is not valid JSON', { cause });
  }
  const manifest = checkManifest(raw);
  const dataStart = HEADER_BYTES + len + ((4 - ((HEADER_BYTES + len) % 4)) % 4);
  return { manifest, dataStart };
}

function checkManifest(raw: unknown): BundleManifest {
  if (typeof raw !== 'object' || raw === null) throw new BundleFormatError('manifest is not an object');
  const m = raw as Record<string, unknown>;
  const fail = (field: string): never => {
    throw new BundleFormatError(`manifest field ${field} is missing or has the wrong type: ${JSON.stringify(m[field])}`);
  };
  if (typeof m['name'] !== 'string') fail('name');
  if (!Number.isInteger(m['version'])) fail('version');
  if (m['parentVersion'] !== null && !Number.isInteger(m['parentVersion'])) fail('parentVersion');
  if (typeof m['createdAt'] !== 'string') fail('createdAt');
  if (typeof m['sha256'] !== 'string') fail('sha256');
  if (!Number.isInteger(m['dataBytes'])) fail('dataBytes');
  if (typeof m['metrics'] !== 'object' || m['metrics'] === null) fail('metrics');
  const tensors = m['tensors'];
  if (!Array.isArray(tensors)) return fail('tensors');
  for (const t of tensors as unknown[]) {
    const e = t as Record<string, unknown>;
    if (typeof e?.['name'] !== 'string' || !Number.isInteger(e['offset']) || !Array.isArray(e['shape']) ||
      !(e['shape'] as unknown[]).every((d) => Number.isInteger(d) && (d as number) >= 0)) {
      throw new BundleFormatError(`malformed tensor table entry ${JSON.stringify(t)}`);
    }
  }
  let spec: ResolvedSpec;
  try {
    spec = resolveSpec(m['spec']);
  } catch (cause) {
    if (cause instanceof ModelSpecError) throw new BundleFormatError(`manifest spec is invalid: ${cause.message}`, { cause });
    throw cause;
  }
  return { ...(m as unknown as BundleManifest), spec };
}

function writeFloats(target: Buffer, offset: number, values: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    target.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
  } else {
    for (let i = 0; i < values.length; i++) target.writeFloatLE(values[i], offset + 4 * i);
  }
}

function readFloats(source: Buffer, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(source.subarray(offset, offset + count * 4));
  } else {
    for (let i = 0; i < count; i++) out[i] = source.readFloatLE(offset + 4 * i);
  }
  return out;
}
