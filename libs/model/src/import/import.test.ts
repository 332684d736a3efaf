import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { KerasImportError } from '../errors';
import { detectModelFile } from './import-file';
import { readKerasModel } from './keras-config';
import { importKerasH5, importKerasV3 } from './keras-files';
import { keras3SavePaths, kerasSnakeCase } from './keras-weights';
import { importPyTorch, PyTorchImportError, readSafetensors } from './pytorch';
import { importTfjsLayers } from './tfjs-layers';

const ZOO = join(__dirname, '..', '..', 'fixtures', 'zoo');
const KERAS = join(__dirname, '..', '..', 'fixtures', 'keras');

type Layer = { class_name: string; config: Record<string, unknown> };
/** The .keras fixture with its config.json rewritten by `edit` (weights untouched). */
function editedKeras(name: string, edit: (layers: Layer[]) => void): Uint8Array {
  const files = unzipSync(new Uint8Array(readFileSync(join(ZOO, name, 'model.keras'))));
  const config = JSON.parse(strFromU8(files['config.json'])) as { config: { layers: Layer[] } };
  edit(config.config.layers);
  return zipSync({ ...files, 'config.json': strToU8(JSON.stringify(config)) });
}

/** A safetensors file from (name, dtype, shape, values). */
function safetensors(tensors: [string, string, number[], number[]][], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata === undefined ? {} : { __metadata__: metadata };
  let offset = 0;
  const blobs: Buffer[] = [];
  for (const [name, dtype, shape, values] of tensors) {
    const width = dtype === 'F32' ? 4 : 2;
    header[name] = { dtype, shape, data_offsets: [offset, offset + width * values.length] };
    const b = Buffer.alloc(width * values.length);
    values.forEach((v, i) => (width === 4 ? b.writeFloatLE(v, 4 * i) : b.writeUInt16LE(0, 2 * i)));
    blobs.push(b);
    offset += b.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return new Uint8Array(Buffer.concat([len, json, ...blobs]));
}
const filled = (n: number): number[] => new Array<number>(n).fill(0.1);
const rnn = (prefix: string, cellRows: number, h: number, i: number): [string, string, number[], number[]][] => [
  [`${prefix}weight_ih_l0`, 'F32', [cellRows * h, i], filled(cellRows * h * i)],
  [`${prefix}weight_hh_l0`, 'F32', [cellRows * h, h], filled(cellRows * h * h)],
];

describe('model file import', () => {
  it('imports converter output of a compiled Keras 3 model: optimizer variables (int32 counter too) are ignored', () => {
    const dir = join(KERAS, 'lstm');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; dtype: string }[] }[] };
    const names = json.weightsManifest.flatMap((g) => g.weights);
    // What issue 14 reports the converter writing, and the old importer refusing.
    assert.ok(names.some((w) => w.name === 'optimizer/vars/0' && w.dtype === 'int32'));
    assert.ok(names.some((w) => w.name === 'layers/lstm_1/cell/vars/0'));
    const bundle = importTfjsLayers(json, (p) => readFileSync(join(dir, p)));
    assert.deepEqual(bundle.spec.layers, [16, 16]);
  });

  it('matches Keras 3 weights by save path (class and position), whatever the layers are called', () => {
    assert.equal(kerasSnakeCase('SimpleRNN'), 'simple_rnn');
    assert.equal(kerasSnakeCase('GRU'), 'gru');
    const layers = ['LSTM', 'Dropout', 'LSTM', 'SimpleRNN', 'Dense'].map((className, i) => ({ className, name: `custom${i}`, config: {} }));
    assert.deepEqual([...keras3SavePaths(layers).values()], ['lstm', 'dropout', 'lstm_1', 'simple_rnn', 'dense']);
    const original = importKerasV3(readFileSync(join(ZOO, 'k3_mixed_simple_lstm_keras', 'model.keras')));
    // Renamed to each other's default names: name matching would swap them, structure does not.
    const swapped = importKerasV3(editedKeras('k3_mixed_simple_lstm_keras', (ls) => {
      const rec = ls.filter((l) => l.class_name !== 'InputLayer');
      rec[0].config['name'] = 'lstm';
      rec[1].config['name'] = 'simple_rnn';
    }));
    for (const [name, t] of original.tensors) assert.deepEqual(swapped.tensors.get(name), t, name);
  });

  it('refuses Bidirectional, go_backwards, attention and pooling, saying why', () => {
    const file = 'k3_lstm_stack_keras';
    assert.throws(() => importKerasV3(editedKeras(file, (ls) => {
      ls[1] = { class_name: 'Bidirectional', config: { name: 'bidi', layer: ls[1] } };
    })), (e: unknown) => e instanceof KerasImportError && /"bidi".*not causal/.test(e.message));
    assert.throws(() => importKerasV3(editedKeras(file, (ls) => {
      ls[1].config['go_backwards'] = true;
    })), /go_backwards=true.*not causal/);
    const model = (layers: Layer[]): unknown => ({ class_name: 'Sequential', config: { name: 'm', layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, null, 2] } }, ...layers] } });
    const lstm = { class_name: 'LSTM', config: { name: 'l', units: 4, return_sequences: true } };
    assert.throws(() => readKerasModel(model([lstm, { class_name: 'MultiHeadAttention', config: { name: 'att' } }])), /attention layers look at the whole sequence/);
    assert.throws(() => readKerasModel(model([lstm, { class_name: 'GlobalAveragePooling1D', config: { name: 'pool' } }])), /pooling over time needs the whole sequence/);
    assert.throws(() => readKerasModel(model([lstm, { class_name: 'Conv1D', config: { name: 'conv' } }])), /Conv1D is not streamable/);
  });

  it('refuses non-float32 weights that the model uses', () => {
    const dir = join(ZOO, 'k3_simple_tfjs');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; dtype: string; quantization?: unknown }[] }[] };
    const kernel = json.weightsManifest[0].weights.find((w) => w.name === 'layers/dense/vars/0')!;
    kernel.dtype = 'int32';
    assert.throws(() => importTfjsLayers(json, (p) => readFileSync(join(dir, p))), /"layers\/dense\/vars\/0" has dtype "int32"; only float32/);
    const spec = rnn('rnn.', 4, 2, 1);
    spec[1] = ['rnn.weight_hh_l0', 'F16', [8, 2], filled(16)];
    assert.throws(() => importPyTorch(safetensors([...spec, ['head.weight', 'F32', [1, 2], filled(2)]])), /dtype F16; only float32/);
  });

  it('reads legacy .h5 files from tf_keras and Keras 3', () => {
    const k2 = importKerasH5(readFileSync(join(ZOO, 'k2_mixed_custom_names_h5', 'model.h5')));
    assert.deepEqual(k2.spec.stack?.map((l) => l.cell), ['simple', 'gru']);
    const k3 = importKerasH5(readFileSync(join(ZOO, 'k3_gru_reset_before_h5', 'model.h5')));
    assert.equal(k3.spec.cell, 'gru');
    assert.equal(k3.spec.resetAfter, false);
  });

  it('maps PyTorch state dicts, and refuses what does not stream', () => {
    const lstm = importPyTorch(safetensors([...rnn('lstm.', 4, 3, 2), ['fc.weight', 'F32', [2, 3], filled(6)], ['fc.bias', 'F32', [2], [1, 2]]]));
    assert.equal(lstm.spec.cell, 'lstm');
    assert.equal(lstm.spec.useBias, false);
    assert.deepEqual([...lstm.tensors.get('head/bias')!], [1, 2]);
    const relu = importPyTorch(safetensors([...rnn('rnn.', 1, 3, 2), ['fc.weight', 'F32', [1, 3], filled(3)]], { streamcell: '{"nonlinearity":"relu"}' }));
    assert.equal(relu.spec.activation, 'relu');
    assert.throws(() => importPyTorch(safetensors([...rnn('gru.', 3, 2, 1), ['gru.weight_ih_l0_reverse', 'F32', [6, 1], filled(6)], ['fc.weight', 'F32', [1, 2], filled(2)]])),
      (e: unknown) => e instanceof PyTorchImportError && /bidirectional.*future events/.test(e.message));
    assert.throws(() => importPyTorch(safetensors(rnn('gru.', 3, 2, 1))), /no nn.Linear head/);
    assert.throws(() => importPyTorch(new Uint8Array(4)), /not a safetensors file/);
  });

  it('refuses malformed safetensors entries and tensors of the wrong shape with PyTorchImportError', () => {
    const head: [string, string, number[], number[]] = ['fc.weight', 'F32', [1, 2], filled(2)];
    const refused = (bytes: Uint8Array, detail: RegExp): void => assert.throws(() => importPyTorch(bytes), (e: unknown) => e instanceof PyTorchImportError && detail.test(e.message));
    // A GRU of 2 units has biases of 3 × 2: shorter ones were padded with zeros, and accepted.
    refused(safetensors([...rnn('gru.', 3, 2, 1), ['gru.bias_ih_l0', 'F32', [4], filled(4)], ['gru.bias_hh_l0', 'F32', [4], filled(4)], head]), /bias_ih_l0 has shape \[4\], expected \[6\]/);
    refused(safetensors([...rnn('gru.', 3, 2, 1), ['gru.bias_ih_l0', 'F32', [6], filled(6)], head]), /bias_hh_l0 has shape \[missing\]/);
    refused(safetensors([['gru.weight_ih_l0', 'F32', [5, 1], filled(5)], ['gru.weight_hh_l0', 'F32', [6, 2], filled(12)], head]), /weight_ih_l0 has shape \[5, 1\], expected \[6, 1\]/);
    // Entries a safetensors writer never makes: negative offsets (read from the header's bytes), null.
    const edit = (bytes: Uint8Array, change: (header: Record<string, unknown>) => void): Uint8Array => {
      const len = Number(Buffer.from(bytes).readBigUInt64LE(0));
      const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + len)).toString()) as Record<string, unknown>;
      change(header);
      const json = Buffer.from(JSON.stringify(header).padEnd(len));
      return new Uint8Array(Buffer.concat([bytes.subarray(0, 8), json.subarray(0, len), bytes.subarray(8 + len)]));
    };
    const ok = safetensors([...rnn('gru.', 3, 2, 1), head]);
    refused(edit(ok, (h) => ((h['fc.weight'] as { data_offsets: number[] }).data_offsets[0] = -8)), /tensor "fc.weight": expected/);
    refused(edit(ok, (h) => (h['fc.weight'] = null)), /tensor "fc.weight": expected/);
  });

  it('refuses safetensors tensors that share bytes, before copying any', () => {
    // 200 entries over the same 64 bytes: each was copied out, 200 × the data (800 MB from a 4 MiB file).
    const header: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) header[`t${i}`] = { dtype: 'F32', shape: [16], data_offsets: [0, 64] };
    const file = (h: Record<string, unknown>, dataBytes: number): Uint8Array => {
      const json = Buffer.from(JSON.stringify(h));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      return new Uint8Array(Buffer.concat([len, json, Buffer.alloc(dataBytes)]));
    };
    const shares = (detail: RegExp) => (e: unknown): boolean => e instanceof PyTorchImportError && detail.test(e.message);
    assert.throws(() => readSafetensors(file(header, 64)), shares(/tensors "t0" \[0, 64\) and "t1" \[0, 64\) share bytes/));
    const partly = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    assert.throws(() => readSafetensors(file(partly, 12)), shares(/"a" \[0, 8\) and "b" \[4, 12\) share bytes/));
    // Side by side, and empty tensors anywhere, as writers lay them out.
    const adjacent = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [0], data_offsets: [4, 4] }, c: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
    assert.deepEqual([...readSafetensors(file(adjacent, 12)).tensors.keys()], ['a', 'b', 'c']);
  });

  it('refuses a TF.js weight shard listed more than once, before concatenating it', () => {
    const dir = join(ZOO, 'k3_simple_tfjs');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[]; weights: unknown[] }[] };
    const group = json.weightsManifest[0];
    // Listed again with its weights again: each listing was concatenated and decoded (300 listings of 4 MiB: 1.4 GB).
    json.weightsManifest.push({ paths: [...group.paths], weights: group.weights });
    assert.throws(() => importTfjsLayers(json, (p) => readFileSync(join(dir, p))),
      (e: unknown) => e instanceof KerasImportError && new RegExp(`weight shard "${group.paths[0]}" is listed more than once`).test(e.message));
  });

  it('tells file kinds apart by content, and says what it expected otherwise', () => {
    assert.equal(detectModelFile('x.bin', new Uint8Array([0x50, 0x4b, 3, 4])), 'keras');
    assert.equal(detectModelFile('x', new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])), 'h5');
    assert.equal(detectModelFile('m.safetensors', new Uint8Array(8)), 'safetensors');
    assert.throws(() => detectModelFile('model.pt', new Uint8Array([0x80, 2])), /expected a Keras .keras \(zip\) or .h5/);
  });
});
