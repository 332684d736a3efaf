import { createBundle, type WeightsBundle } from '../bundle/bundle';
import { type ByteRange, describeOverlap, findOverlap } from '../bundle/byte-ranges';
import { ModelError } from '../errors';
import { isActivationName } from '../spec/activations';
import type { CellKind, ModelSpec } from '../spec/spec';
import type { LayerSpec } from '../spec/stack';
import type { ImportOptions } from './keras-weights';

/** A PyTorch state dict could not be imported. */
export class PyTorchImportError extends ModelError {
  readonly code = 'PYTORCH_IMPORT';
}

/**
 * PyTorch recurrent models as a safetensors state dict, what a PyTorch user writes in one line:
 * `safetensors.torch.save_file(model.state_dict(), "model.safetensors")` for an `nn.LSTM` /
 * `nn.GRU` / `nn.RNN` (batch_first or not, any num_layers, bias or not) followed by one
 * `nn.Linear`. The cell and sizes follow from the tensors' names and shapes; what they cannot say
 * goes in the file's metadata as JSON under "streamcell": `{"nonlinearity": "relu"}` for an
 * `nn.RNN(nonlinearity='relu')`, `{"headActivation": "sigmoid"}` for an activation after the head.
 *
 * Mapping to the Keras layout (kernel [in, g·u] = weight_ihᵀ, recurrent = weight_hhᵀ):
 * - LSTM gates i, f, g, o are Keras's i, f, c, o; one bias = bias_ih + bias_hh.
 * - GRU gates r, z, n become Keras's z, r, h. PyTorch applies r to (W_hn·h + b_hn), which is Keras's
 *   reset_after=true with bias rows [bias_ih; bias_hh].
 * - RNN: h = act(W_ih·x + b_ih + W_hh·h + b_hh), a SimpleRNN with bias b_ih + b_hh.
 */

interface Tensor {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Float32Array | null;
}

const q = (v: unknown): string => JSON.stringify(v) ?? String(v);

interface HeaderEntry extends ByteRange {
  readonly dtype: string;
  readonly shape: readonly number[];
}

/** The header's tensor entries, each checked to be well-formed and to lie within the `dataBytes` after the header. */
function headerEntries(header: Record<string, unknown>, dataBytes: number): HeaderEntry[] {
  const out: HeaderEntry[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const whole = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
    if (typeof dtype !== 'string' || !Array.isArray(shape) || !shape.every(whole) || !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(whole)) {
      throw new PyTorchImportError(`tensor ${q(name)}: expected {"dtype": string, "shape": [n, ...], "data_offsets": [begin, end]}, got ${q(entry)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataBytes || begin > end) throw new PyTorchImportError(`tensor ${q(name)} lies outside the file`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (dtype === 'F32' && end - begin !== 4 * count) throw new PyTorchImportError(`tensor ${q(name)} has ${end - begin} bytes for shape [${shape.join(', ')}]`);
    out.push({ name, dtype, shape, begin, end });
  }
  return out;
}

/** Parses safetensors: u64 header length, JSON header {name: {dtype, shape, data_offsets}}, data. */
export function readSafetensors(bytes: Uint8Array): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new PyTorchImportError('not a safetensors file: shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw new PyTorchImportError(`not a safetensors file: header length ${headerLength} exceeds the file (${bytes.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch (cause) {
    throw new PyTorchImportError('not a safetensors file: its header is not JSON', { cause });
  }
  const dataStart = 8 + headerLength;
  const entries = headerEntries(header, bytes.length - dataStart);
  // Checked before any copy: overlapping ranges cost their bytes once per tensor (200 over the same 4 MiB: 800 MB).
  const overlap = findOverlap(entries);
  if (overlap !== undefined) throw new PyTorchImportError(`tensors ${describeOverlap(overlap)} share bytes: a safetensors file stores each tensor in its own range`);
  const tensors = new Map<string, Tensor>();
  for (const { name, dtype, shape, begin } of entries) {
    let data: Float32Array | null = null;
    if (dtype === 'F32') {
      data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(dataStart + begin + 4 * i, true);
    }
    tensors.set(name, { dtype, shape, data });
  }
  return { tensors, metadata: (header['__metadata__'] ?? {}) as Record<string, string> };
}

const GATES: Readonly<Record<number, CellKind>> = { 1: 'simple', 4: 'lstm', 3: 'gru' };

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}

/** Reorders gate blocks of `u` rows: out block i = in block order[i] (rows of a [g·u, k] matrix). */
function reorderRows(m: Float32Array, u: number, k: number, order: readonly number[]): Float32Array {
  const out = new Float32Array(m.length);
  order.forEach((src, dst) => out.set(m.subarray(src * u * k, (src + 1) * u * k), dst * u * k));
  return out;
}

export function importPyTorch(bytes: Uint8Array, options: ImportOptions = {}): WeightsBundle {
  const { tensors, metadata } = readSafetensors(bytes);
  let extra: { nonlinearity?: unknown; headActivation?: unknown; name?: unknown } = {};
  if (metadata['streamcell'] !== undefined) {
    try {
      extra = JSON.parse(metadata['streamcell']) as typeof extra;
    } catch (cause) {
      throw new PyTorchImportError(`metadata "streamcell" is not JSON: ${q(metadata['streamcell'])}`, { cause });
    }
  }
  const used = new Set<string>();
  const get = (name: string): Float32Array => {
    const t = tensors.get(name)!;
    if (t.data === null) throw new PyTorchImportError(`tensor ${q(name)} has dtype ${t.dtype}; only float32 weights are supported (call model.float() before saving)`);
    used.add(name);
    return t.data;
  };
  const names = [...tensors.keys()];
  if (names.some((n) => /_reverse$/.test(n))) {
    throw new PyTorchImportError('the RNN is bidirectional (weights *_reverse): its backward direction reads the sequence from the end, i.e. future events, so it cannot run one event at a time');
  }
  if (names.some((n) => /weight_hr_l\d+$/.test(n))) throw new PyTorchImportError('LSTM projections (proj_size > 0) are not supported');
  const prefixes = [...new Set(names.map((n) => /^(.*)weight_ih_l0$/.exec(n)?.[1]).filter((p): p is string => p !== undefined))];
  if (prefixes.length !== 1) {
    throw new PyTorchImportError(prefixes.length === 0
      ? 'no recurrent module found: expected weight_ih_l0 / weight_hh_l0 from an nn.LSTM, nn.GRU or nn.RNN'
      : `several recurrent modules (${prefixes.map((p) => p.replace(/\.$/, '')).join(', ')}); only one nn.LSTM/nn.GRU/nn.RNN followed by one nn.Linear is supported`);
  }
  const prefix = prefixes[0];
  const nonlinearity = extra.nonlinearity ?? 'tanh';
  if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new PyTorchImportError(`metadata nonlinearity must be "tanh" or "relu", got ${q(nonlinearity)}`);

  const stack: LayerSpec[] = [];
  const out = new Map<string, Float32Array>();
  let inWidth = 0;
  for (let l = 0; tensors.has(`${prefix}weight_ih_l${l}`); l++) {
    const wih = tensors.get(`${prefix}weight_ih_l${l}`)!;
    const whh = tensors.get(`${prefix}weight_hh_l${l}`);
    if (whh === undefined || wih.shape.length !== 2 || whh.shape.length !== 2) throw new PyTorchImportError(`layer ${l}: weight_ih_l${l} / weight_hh_l${l} are missing or not matrices`);
    const u = whh.shape[1];
    const cell = u > 0 ? GATES[whh.shape[0] / u] : undefined;
    if (cell === undefined) throw new PyTorchImportError(`layer ${l}: weight_hh_l${l} has shape [${whh.shape.join(', ')}], not [g·hidden, hidden] of an LSTM (4), GRU (3) or RNN (1)`);
    if (stack.length > 0 && cell !== stack[0].cell) throw new PyTorchImportError(`layer ${l} is a ${cell} but layer 0 a ${stack[0].cell}`);
    const inW = wih.shape[1];
    if (l === 0) inWidth = inW;
    const g = whh.shape[0] / u;
    const below = l === 0 ? inW : stack[l - 1].units;
    if (wih.shape[0] !== g * u || inW !== below) throw new PyTorchImportError(`layer ${l}: weight_ih_l${l} has shape [${wih.shape.join(', ')}], expected [${g * u}, ${below}]`);
    const order = cell === 'gru' ? [1, 0, 2] : Array.from({ length: g }, (_, i) => i);
    out.set(`layer${l}/kernel`, transpose(reorderRows(get(`${prefix}weight_ih_l${l}`), u, inW, order), g * u, inW));
    out.set(`layer${l}/recurrent_kernel`, transpose(reorderRows(get(`${prefix}weight_hh_l${l}`), u, u, order), g * u, u));
    const hasBias = tensors.has(`${prefix}bias_ih_l${l}`);
    if (hasBias) {
      for (const b of [`bias_ih_l${l}`, `bias_hh_l${l}`]) {
        const shape = tensors.get(`${prefix}${b}`)?.shape;
        if (shape?.length !== 1 || shape[0] !== g * u) throw new PyTorchImportError(`layer ${l}: ${b} has shape [${shape?.join(', ') ?? 'missing'}], expected [${g * u}]`);
      }
      const bih = reorderRows(get(`${prefix}bias_ih_l${l}`), u, 1, order);
      const bhh = reorderRows(get(`${prefix}bias_hh_l${l}`), u, 1, order);
      if (cell === 'gru') {
        const b = new Float32Array(2 * g * u);
        b.set(bih, 0);
        b.set(bhh, g * u);
        out.set(`layer${l}/bias`, b);
      } else out.set(`layer${l}/bias`, Float32Array.from(bih, (v, i) => v + bhh[i]));
    }
    stack.push({ cell, units: u, useBias: hasBias, ...(cell === 'gru' ? { resetAfter: true } : {}), ...(cell === 'simple' ? { activation: nonlinearity } : {}) });
  }

  const rest = names.filter((n) => !used.has(n));
  const heads = rest.filter((n) => n.endsWith('weight') && tensors.get(n)!.shape.length === 2);
  if (heads.length !== 1) {
    throw new PyTorchImportError(heads.length === 0
      ? 'no nn.Linear head after the recurrent module (a 2-D "<name>.weight")'
      : `several candidate heads (${heads.join(', ')}); only one nn.Linear after the recurrent module is supported`);
  }
  const headName = heads[0];
  const [outUnits, hidden] = tensors.get(headName)!.shape as [number, number];
  const lastUnits = stack[stack.length - 1].units;
  if (hidden !== lastUnits) throw new PyTorchImportError(`head ${q(headName)} takes ${hidden} inputs but the recurrent module outputs ${lastUnits}`);
  out.set('head/kernel', transpose(get(headName), outUnits, hidden));
  const biasName = headName.replace(/weight$/, 'bias');
  out.set('head/bias', tensors.has(biasName) ? get(biasName) : new Float32Array(outUnits));
  const leftover = names.filter((n) => !used.has(n));
  if (leftover.length > 0) throw new PyTorchImportError(`tensors not part of an RNN + Linear model: ${leftover.join(', ')}`);

  const headActivation = extra.headActivation ?? 'linear';
  if (!isActivationName(headActivation)) throw new PyTorchImportError(`metadata headActivation ${q(headActivation)} is not supported`);
  const spec: ModelSpec = {
    stack,
    inputWidth: inWidth,
    head: { units: outUnits, activation: headActivation },
    output: options.output ?? (outUnits <= inWidth ? { kind: 'next-values' } : { kind: 'raw' }),
  };
  const name = options.name ?? (typeof extra.name === 'string' ? extra.name : 'pytorch-model');
  return createBundle({ name, spec, tensors: out });
}
