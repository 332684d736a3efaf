import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type EngineConfig, engineLabel } from '../engines/config';
import { StreamingModel } from '../engines/streaming-model';
import { layerSpecs } from '../spec/stack';
import { importModelFile } from './import-file';

/**
 * The import zoo: every model under libs/model/fixtures/{zoo,keras}, written by Keras 3, tf_keras,
 * the real tensorflowjs_converter or PyTorch (scripts/model/make_import_fixtures.py), imported in
 * one call and streamed event by event on every engine. After each event the output must equal the
 * originating framework's output for that prefix of the sequence.
 */
const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const TOL = 1e-5;
const ENGINES: readonly EngineConfig[] = [
  { kind: 'reference' },
  { kind: 'onnx' },
  { kind: 'onnx', fusedCells: true },
  { kind: 'tfjs', backend: 'cpu' },
  { kind: 'tfjs', backend: 'wasm' },
];

interface Io {
  source: string;
  file: string;
  inputShape: [number, number, number];
  inputs: number[];
  prefixOutputShape: [number, number, number];
  prefixOutputs: number[];
}

const models = ['zoo', 'keras'].flatMap((group) =>
  readdirSync(join(FIXTURES, group)).sort().map((name) => ({ name: `${group}/${name}`, dir: join(FIXTURES, group, name) })),
);
const worst = new Map<string, number>();

async function streamAll(dir: string, engine: EngineConfig): Promise<number> {
  const io = JSON.parse(readFileSync(join(dir, 'io.json'), 'utf8')) as Io;
  const { bundle } = await importModelFile(join(dir, io.file));
  const [n, steps, f] = io.inputShape;
  const out = io.prefixOutputShape[2];
  assert.equal(bundle.spec.inputWidth, f);
  assert.equal(bundle.spec.head.units, out);
  // Raw outputs: compare what the network computes, not a de-normalised forecast.
  const model = await StreamingModel.create({ bundle: { ...bundle, spec: { ...bundle.spec, output: { kind: 'raw' } } }, engine, capacity: n });
  const ids = Array.from({ length: n }, (_, i) => `s${i}`);
  let maxErr = 0;
  try {
    for (let t = 0; t < steps; t++) {
      const x = new Float32Array(n * f);
      for (let b = 0; b < n; b++) for (let j = 0; j < f; j++) x[b * f + j] = io.inputs[(b * steps + t) * f + j]!;
      const y = await model.step(ids, x);
      for (let b = 0; b < n; b++) {
        for (let j = 0; j < out; j++) {
          const expected = io.prefixOutputs[(b * steps + t) * out + j];
          maxErr = Math.max(maxErr, Math.abs(y[b * out + j] - expected));
        }
      }
    }
  } finally {
    await model.dispose();
  }
  return maxErr;
}

describe('import zoo: real files from Keras, tf_keras, tensorflowjs_converter and PyTorch stream like their framework', () => {
  after(() => {
    const line = [...worst].map(([engine, e]) => `${engine} ${e.toExponential(2)}`).join(', ');
    process.stdout.write(`# zoo: ${models.length} models; max abs error per engine: ${line}\n`);
  });

  it('has at least 20 models covering every source, cell and reset mode, mixed stacks and 1–3 layers', async () => {
    assert.ok(models.length >= 20, `${models.length} models`);
    const sources = new Set<string>();
    const cells = new Set<string>();
    const depths = new Set<number>();
    let mixed = 0;
    for (const m of models) {
      const io = JSON.parse(readFileSync(join(m.dir, 'io.json'), 'utf8')) as Io;
      sources.add(io.source);
      const { bundle } = await importModelFile(join(m.dir, io.file));
      const layers = layerSpecs(bundle.spec);
      for (const l of layers) {
        const keras = l.cell === 'gru' ? `gru-${l.resetAfter ? 'after' : 'before'}` : l.cell;
        cells.add(io.source === 'pytorch' ? `pt-${l.cell}` : keras);
      }
      depths.add(layers.length);
      if (bundle.spec.stack !== undefined) mixed++;
    }
    assert.deepEqual([...sources].sort(), ['keras2-h5', 'keras3', 'keras3-h5', 'pytorch', 'tfjs-keras2', 'tfjs-keras3']);
    for (const c of ['simple', 'lstm', 'gru-after', 'gru-before', 'pt-lstm', 'pt-gru', 'pt-simple']) assert.ok(cells.has(c), `no ${c}`);
    assert.deepEqual([...depths].sort(), [1, 2, 3]);
    assert.ok(mixed >= 3, `${mixed} mixed stacks`);
  });

  for (const m of models) {
    for (const engine of ENGINES) {
      const label = engine.kind === 'onnx' && engine.fusedCells === true ? 'onnx-fused' : engineLabel(engine);
      it(`${m.name} on ${label} matches the framework after every event`, async () => {
        const err = await streamAll(m.dir, engine);
        worst.set(label, Math.max(worst.get(label) ?? 0, err));
        assert.ok(err <= TOL, `max abs error ${err}`);
      });
    }
  }
});
