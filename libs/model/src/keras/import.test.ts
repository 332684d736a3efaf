import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StreamingModel } from '../engines/streaming-model';
import type { EngineConfig } from '../engines/config';
import { KerasImportError } from '../errors';
import { importKerasModel, loadKerasModel } from './import';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'keras');

interface Io {
  inputShape: [number, number, number];
  inputs: number[];
  outputShape: number[];
  outputs: number[];
}

async function streamAndCompare(name: string, engine: EngineConfig, modelJson?: unknown): Promise<void> {
  const dir = join(FIXTURES, name);
  const bundle = modelJson === undefined
    ? await loadKerasModel(join(dir, 'model.json'))
    : importKerasModel(modelJson, (p) => readFileSync(join(dir, p)));
  const io = JSON.parse(readFileSync(join(dir, 'io.json'), 'utf8')) as Io;
  const [n, steps, f] = io.inputShape;
  const model = await StreamingModel.create({ bundle, engine, capacity: n });
  const ids = Array.from({ length: n }, (_, i) => `sample${i}`);
  let y: Float32Array = new Float32Array(0);
  try {
    for (let t = 0; t < steps; t++) {
      const x = new Float32Array(n * f);
      for (let b = 0; b < n; b++) for (let j = 0; j < f; j++) x[b * f + j] = io.inputs[(b * steps + t) * f + j]!;
      y = await model.step(ids, x);
    }
  } finally {
    await model.dispose();
  }
  io.outputs.forEach((v, i) => assert.ok(Math.abs(y[i] - v) < 1e-5, `${name} sample ${i}: streamed ${y[i]} vs Keras ${v}`));
}

describe('Keras import (fixtures made by real Keras)', () => {
  for (const name of ['simple_rnn', 'lstm', 'gru']) {
    for (const engine of [{ kind: 'reference' }, { kind: 'onnx' }, { kind: 'tfjs', backend: 'wasm' }] as EngineConfig[]) {
      it(`${name} streamed on ${engine.kind} matches Keras model.predict`, () => streamAndCompare(name, engine));
    }
  }

  it('reads the canonical model as SimpleRNN(32)×2 + Dense(1) over (10, 1)', async () => {
    const b = await loadKerasModel(join(FIXTURES, 'simple_rnn', 'model.json'));
    assert.equal(b.spec.cell, 'simple');
    assert.deepEqual(b.spec.layers, [32, 32]);
    assert.equal(b.spec.inputWidth, 1);
    assert.equal(b.spec.head.units, 1);
    const gru = await loadKerasModel(join(FIXTURES, 'gru', 'model.json'));
    assert.equal(gru.spec.resetAfter, true);
  });

  it('accepts the tf.keras 2 layout, as the converter writes it from a tf_keras .h5', async () => {
    const dir = join(FIXTURES, '..', 'zoo', 'k2_lstm_stack_tfjs');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { modelTopology: { keras_version: string } };
    assert.match(json.modelTopology.keras_version, /^2\./);
    const b = await loadKerasModel(join(dir, 'model.json'));
    assert.equal(b.spec.cell, 'lstm');
    assert.deepEqual(b.spec.layers, [6, 4]);
  });

  it('refuses a Bidirectional layer, saying it is not causal', () => {
    const json = JSON.parse(readFileSync(join(FIXTURES, 'lstm', 'model.json'), 'utf8')) as { modelTopology: { model_config: { config: { layers: unknown[] } } } };
    const layers = json.modelTopology.model_config.config.layers as { class_name: string; config: Record<string, unknown> }[];
    layers[1] = { class_name: 'Bidirectional', config: { name: 'bidi', layer: layers[1] } };
    assert.throws(() => importKerasModel(json, () => new Uint8Array(0)), (e: unknown) => e instanceof KerasImportError && /not causal/.test(e.message));
  });

  it('refuses go_backwards and unsupported layers', () => {
    type Topology = { modelTopology: { model_config: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } } };
    const load = (): Topology => JSON.parse(readFileSync(join(FIXTURES, 'simple_rnn', 'model.json'), 'utf8')) as Topology;
    const shard = (p: string): Uint8Array => readFileSync(join(FIXTURES, 'simple_rnn', p));
    const back = load();
    back.modelTopology.model_config.config.layers[1].config['go_backwards'] = true;
    assert.throws(() => importKerasModel(back, shard), /go_backwards=true.*not causal/);
    const conv = load();
    conv.modelTopology.model_config.config.layers.splice(1, 0, { class_name: 'Conv1D', config: { name: 'conv' } });
    assert.throws(() => importKerasModel(conv, shard), /Conv1D is not streamable/);
  });
});
