import type { ResidualState } from './residual-detector';

/**
 * The value of a changelog record (`inference.state`, key = stream id): everything needed to
 * continue a stream exactly where it was — the recurrent state (libs/model snapshot bytes) and the
 * alert rule's state (last forecast, residual statistics, cooldown).
 *
 * Layout (little-endian): "SCSR" | u8 version=1 | u32 stateBytes | state | u32 forecastLen
 * (0xffffffff = none) | f32 forecast[] | f64 count | f64 mean | f64 m2 | u32 cooldownLeft
 */
const MAGIC = 0x52534353; // "SCSR" read as little-endian u32
const VERSION = 1;
const NO_FORECAST = 0xffffffff;

export interface StreamRecord {
  readonly state: Uint8Array;
  readonly residual: ResidualState;
}

export class StateRecordError extends Error {
  override readonly name = 'StateRecordError';
}

export function encodeStateRecord(r: StreamRecord): Buffer {
  const f = r.residual.forecast;
  const fl = f === null ? 0 : f.length;
  const buf = Buffer.alloc(4 + 1 + 4 + r.state.length + 4 + 4 * fl + 8 * 3 + 4);
  let o = buf.writeUInt32LE(MAGIC, 0);
  o = buf.writeUInt8(VERSION, o);
  o = buf.writeUInt32LE(r.state.length, o);
  buf.set(r.state, o);
  o += r.state.length;
  o = buf.writeUInt32LE(f === null ? NO_FORECAST : fl, o);
  for (let j = 0; j < fl; j++) o = buf.writeFloatLE(f![j], o);
  o = buf.writeDoubleLE(r.residual.count, o);
  o = buf.writeDoubleLE(r.residual.mean, o);
  o = buf.writeDoubleLE(r.residual.m2, o);
  buf.writeUInt32LE(r.residual.cooldownLeft, o);
  return buf;
}

export function decodeStateRecord(bytes: Uint8Array): StreamRecord {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number, at: number): void => {
    if (at + n > buf.length) throw new StateRecordError(`state record truncated: ${buf.length} bytes`);
  };
  need(9, 0);
  if (buf.readUInt32LE(0) !== MAGIC) throw new StateRecordError('not a streamcell state record (bad magic)');
  if (buf.readUInt8(4) !== VERSION) throw new StateRecordError(`unsupported state record version ${buf.readUInt8(4)}`);
  const stateLen = buf.readUInt32LE(5);
  let o = 9;
  need(stateLen + 4, o);
  const state = Uint8Array.from(buf.subarray(o, o + stateLen));
  o += stateLen;
  const fl = buf.readUInt32LE(o);
  o += 4;
  let forecast: Float32Array | null = null;
  if (fl !== NO_FORECAST) {
    need(4 * fl, o);
    forecast = new Float32Array(fl);
    for (let j = 0; j < fl; j++, o += 4) forecast[j] = buf.readFloatLE(o);
  }
  need(28, o);
  return {
    state,
    residual: { forecast, count: buf.readDoubleLE(o), mean: buf.readDoubleLE(o + 8), m2: buf.readDoubleLE(o + 16), cooldownLeft: buf.readUInt32LE(o + 24) },
  };
}
