import { newResidualState, type PendingAlert, type ResidualState } from './residual-detector';

/**
 * The value of a changelog record (`inference.state`, key = stream id): everything needed to
 * continue a stream exactly where it was — the model's per-stream state (libs/model snapshot bytes:
 * recurrent states and, for per-stream-scaled models, the scaler) and the alert rule's state.
 *
 * Layout v2 (little-endian): "SCSR" | u8 2 | u32 stateBytes | state | forecast | u32 forecastVersion
 * | last | f64 count, mean, variance, naiveScale | u32 cooldownLeft | u32 statsVersion
 * | u8 afterOutlier | u8 hasPending [f64 ts, residual, score, threshold | u32 modelVersion
 * | expected | actual], where forecast/last/expected/actual are u32 n (0xffffffff = none) + f32[n].
 * Version 1 records (first release: forecast and Welford statistics) are still read.
 */
const MAGIC = 0x52534353; // "SCSR" read as little-endian u32
const VERSION = 2;
const NONE = 0xffffffff;

export interface StreamRecord {
  readonly state: Uint8Array;
  readonly residual: ResidualState;
}

export class StateRecordError extends Error {
  override readonly name = 'StateRecordError';
}

const vectorBytes = (v: Float32Array | null): number => 4 + (v === null ? 0 : 4 * v.length);

class Writer {
  private o = 0;
  constructor(readonly buf: Buffer) {}
  u8(v: number): void {
    this.o = this.buf.writeUInt8(v, this.o);
  }
  u32(v: number): void {
    this.o = this.buf.writeUInt32LE(v, this.o);
  }
  f64(v: number): void {
    this.o = this.buf.writeDoubleLE(v, this.o);
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.o);
    this.o += b.length;
  }
  vector(v: Float32Array | null): void {
    this.u32(v === null ? NONE : v.length);
    if (v !== null) for (let j = 0; j < v.length; j++) this.o = this.buf.writeFloatLE(v[j], this.o);
  }
}

class Reader {
  o = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.o + n > this.buf.length) throw new StateRecordError(`state record truncated: ${this.buf.length} bytes`);
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.o++);
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.o);
    this.o += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.o);
    this.o += 8;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = Uint8Array.from(this.buf.subarray(this.o, this.o + n));
    this.o += n;
    return out;
  }
  vector(): Float32Array | null {
    const n = this.u32();
    if (n === NONE) return null;
    this.need(4 * n);
    const v = new Float32Array(n);
    for (let j = 0; j < n; j++, this.o += 4) v[j] = this.buf.readFloatLE(this.o);
    return v;
  }
}

export function encodeStateRecord(r: StreamRecord): Buffer {
  const s = r.residual;
  const p = s.pending;
  const size =
    9 + r.state.length + vectorBytes(s.forecast) + 4 + vectorBytes(s.last) + 32 + 8 + 2 + (p === null ? 0 : 36 + vectorBytes(p.expected) + vectorBytes(p.actual));
  const w = new Writer(Buffer.alloc(size));
  w.u32(MAGIC);
  w.u8(VERSION);
  w.u32(r.state.length);
  w.bytes(r.state);
  w.vector(s.forecast);
  w.u32(s.forecastVersion);
  w.vector(s.last);
  w.f64(s.count);
  w.f64(s.mean);
  w.f64(s.variance);
  w.f64(s.naiveScale);
  w.u32(s.cooldownLeft);
  w.u32(s.statsVersion);
  w.u8(s.afterOutlier ? 1 : 0);
  w.u8(p === null ? 0 : 1);
  if (p !== null) {
    w.f64(p.ts);
    w.f64(p.residual);
    w.f64(p.score);
    w.f64(p.threshold);
    w.u32(p.modelVersion);
    w.vector(p.expected);
    w.vector(p.actual);
  }
  return w.buf;
}

export function decodeStateRecord(bytes: Uint8Array): StreamRecord {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (r.u32() !== MAGIC) throw new StateRecordError('not a streamcell state record (bad magic)');
  const version = r.u8();
  if (version !== 1 && version !== VERSION) throw new StateRecordError(`unsupported state record version ${version}`);
  const state = r.bytes(r.u32());
  const residual = newResidualState();
  residual.forecast = r.vector();
  if (version === 1) {
    // First-release records: Welford statistics, no last values or pending candidate.
    residual.count = r.f64();
    residual.mean = r.f64();
    const m2 = r.f64();
    residual.variance = residual.count > 1 ? m2 / (residual.count - 1) : 0;
    residual.cooldownLeft = r.u32();
    return { state, residual };
  }
  residual.forecastVersion = r.u32();
  residual.last = r.vector();
  residual.count = r.f64();
  residual.mean = r.f64();
  residual.variance = r.f64();
  residual.naiveScale = r.f64();
  residual.cooldownLeft = r.u32();
  residual.statsVersion = r.u32();
  residual.afterOutlier = r.u8() === 1;
  if (r.u8() === 1) residual.pending = readPending(r);
  return { state, residual };
}

function readPending(r: Reader): PendingAlert {
  const ts = r.f64();
  const residual = r.f64();
  const score = r.f64();
  const threshold = r.f64();
  const modelVersion = r.u32();
  const expected = r.vector();
  const actual = r.vector();
  if (expected === null || actual === null) throw new StateRecordError('state record holds a pending alert without its values');
  return { ts, residual, score, threshold, expected, actual, modelVersion };
}
