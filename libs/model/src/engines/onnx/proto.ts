/**
 * Minimal protobuf writer for the handful of ONNX messages a one-step graph needs (ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto). Field numbers are from
 * onnx/onnx.proto3; hand-writing ~100 lines beats a protobuf dependency for five message types.
 */
class Writer {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, body: Writer): this {
    return this.bytes(field, body.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

export type AttributeValue = { readonly f: number } | { readonly i: number } | { readonly ints: readonly number[] };

export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

/** A graph input/output: float32, first dim symbolic ("batch") when the dim is a string. */
export interface OnnxValueInfo {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxInitializer[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

const FLOAT = 1;
const INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

function attribute(name: string, value: AttributeValue): Writer {
  const w = new Writer().string(1, name);
  if ('f' in value) return w.float(2, value.f).int(20, ATTR_FLOAT);
  if ('i' in value) return w.int(3, value.i).int(20, ATTR_INT);
  for (const v of value.ints) w.int(8, v);
  return w.int(20, ATTR_INTS);
}

function tensor(init: OnnxInitializer): Writer {
  const w = new Writer();
  for (const d of init.dims) w.int(1, d);
  w.int(2, init.data instanceof Float32Array ? FLOAT : INT64);
  w.string(8, init.name);
  // raw_data is little-endian by the ONNX spec; copy byte-wise (hosts we run on are little-endian,
  // checked by the bundle codec's endianness handling too).
  w.bytes(9, new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength).slice());
  return w;
}

function valueInfo(v: OnnxValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, FLOAT).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

/** Serialises a ModelProto (IR version 8, default-domain opset 17). */
export function encodeModel(graph: OnnxGraph): Uint8Array {
  const g = new Writer();
  graph.nodes.forEach((n, idx) => {
    const w = new Writer();
    for (const i of n.inputs) w.string(1, i);
    for (const o of n.outputs) w.string(2, o);
    w.string(3, `${n.op}_${idx}`);
    w.string(4, n.op);
    for (const [name, value] of Object.entries(n.attributes ?? {})) w.message(5, attribute(name, value));
    g.message(1, w);
  });
  g.string(2, graph.name);
  for (const init of graph.initializers) g.message(5, tensor(init));
  for (const i of graph.inputs) g.message(11, valueInfo(i));
  for (const o of graph.outputs) g.message(12, valueInfo(o));
  return new Writer()
    .int(1, 8)
    .string(2, 'streamcell')
    .message(7, g)
    .message(8, new Writer().string(1, '').int(2, 17))
    .finish();
}
