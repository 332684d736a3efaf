import { createHash } from 'node:crypto';
import { decodeBundle, encodeBundle, type AdamState, type WeightsBundle } from '@streamcell/model';
import type { RunningStatsState } from './running-stats';

/** Step counters carried across restarts. */
export interface TrainerCounters {
  readonly rounds: number;
  readonly iterations: number;
  readonly updates: number;
  readonly published: number;
  readonly rejected: number;
  readonly events: number;
  readonly consecutiveRejections: number;
}

/** Everything a restarted trainer needs to resume where it stopped. */
export interface TrainerCheckpoint {
  readonly modelName: string;
  /** Version on model.weights the working weights descend from (the last published or adopted one). */
  readonly headVersion: number;
  /** The weights being trained (may be ahead of the head when candidates were rejected). */
  readonly working: WeightsBundle;
  /** Adam's moments and step; absent before the first update. */
  readonly optimizer: AdamState | undefined;
  readonly stats: RunningStatsState;
  readonly counters: TrainerCounters;
  readonly createdAt: string;
}

/** A checkpoint record could not be read (not a checkpoint, truncated, checksum, inner bundle invalid). */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

const MAGIC = 'SCTC';
const FORMAT = 1;

interface Header {
  readonly modelName: string;
  readonly headVersion: number;
  readonly bundleBytes: number;
  readonly optimizer: { readonly step: number; readonly tensors: readonly { name: string; length: number }[] } | null;
  readonly stats: RunningStatsState;
  readonly counters: TrainerCounters;
  readonly createdAt: string;
  /** Hex sha256 of everything after the header. */
  readonly sha256: string;
}

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

/**
 * Binary layout: "SCTC", uint32 format, uint32 header length H, H bytes of JSON header, zero
 * padding to 4 bytes, the working weights as a bundle (libs/model format, itself checksummed),
 * padding, then Adam's m and v (float32 LE) per tensor in header order. The header's sha256 covers
 * everything after it, so a torn or corrupted record is refused rather than resumed from.
 */
export function encodeCheckpoint(c: TrainerCheckpoint): Buffer {
  const bundle = encodeBundle(c.working);
  const names = c.optimizer === undefined ? [] : Object.keys(c.optimizer.m);
  const floats: Buffer[] = [];
  for (const name of names) {
    for (const arr of [c.optimizer!.m[name], c.optimizer!.v[name]]) {
      if (arr === undefined) throw new CheckpointError(`optimizer state lacks ${name}`);
      const b = Buffer.alloc(arr.length * 4);
      for (let i = 0; i < arr.length; i++) b.writeFloatLE(arr[i], i * 4);
      floats.push(b);
    }
  }
  const body = Buffer.concat([bundle, Buffer.alloc(pad4(bundle.length)), ...floats]);
  const header: Header = {
    modelName: c.modelName,
    headVersion: c.headVersion,
    bundleBytes: bundle.length,
    optimizer: c.optimizer === undefined ? null : { step: c.optimizer.step, tensors: names.map((name) => ({ name, length: c.optimizer!.m[name].length })) },
    stats: c.stats,
    counters: c.counters,
    createdAt: c.createdAt,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(FORMAT, 4);
  head.writeUInt32LE(json.length, 8);
  return Buffer.concat([head, json, Buffer.alloc(pad4(12 + json.length)), body]);
}

export function decodeCheckpoint(bytes: Uint8Array): TrainerCheckpoint {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== MAGIC) throw new CheckpointError('not a trainer checkpoint (bad magic)');
  const format = buf.readUInt32LE(4);
  if (format !== FORMAT) throw new CheckpointError(`checkpoint format ${format} is not supported (this trainer reads ${FORMAT})`);
  const len = buf.readUInt32LE(8);
  if (12 + len > buf.length) throw new CheckpointError(`checkpoint truncated: header of ${len} bytes, record of ${buf.length}`);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + len)) as Header;
  } catch (cause) {
    throw new CheckpointError('checkpoint header is not valid JSON', { cause });
  }
  const body = buf.subarray(12 + len + pad4(12 + len));
  if (createHash('sha256').update(body).digest('hex') !== header.sha256) throw new CheckpointError('checkpoint checksum mismatch (corrupted or truncated record)');
  let working: WeightsBundle;
  try {
    working = decodeBundle(body.subarray(0, header.bundleBytes));
  } catch (cause) {
    throw new CheckpointError(`checkpoint weights are invalid: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  let offset = header.bundleBytes + pad4(header.bundleBytes);
  let optimizer: AdamState | undefined;
  if (header.optimizer !== null) {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const { name, length } of header.optimizer.tensors) {
      for (const target of [m, v]) {
        if (offset + length * 4 > body.length) throw new CheckpointError(`checkpoint truncated in optimizer state of ${name}`);
        const arr = new Float32Array(length);
        for (let i = 0; i < length; i++) arr[i] = body.readFloatLE(offset + i * 4);
        target[name] = arr;
        offset += length * 4;
      }
    }
    optimizer = { step: header.optimizer.step, m, v };
  }
  return {
    modelName: header.modelName,
    headVersion: header.headVersion,
    working,
    optimizer,
    stats: header.stats,
    counters: header.counters,
    createdAt: header.createdAt,
  };
}
