/**
 * Model step benchmark (npm run bench:model): events/s of one batched streaming step (gather
 * states from a 100k-stream table, one step, scatter) for each engine, LSTM and GRU, units
 * 32/64/128, batch 1/64/1024, input width 8, plus the same shapes on PyTorch when torch is
 * importable. Prints JSON lines, then a summary line.
 *
 * Env: BENCH_SECONDS (time per configuration, default 0.6), BENCH_ENGINES (comma list, default
 * reference,onnx,tfjs-wasm; also available: onnx-fused, tfjs-cpu). `--small` (or BENCH_SMALL=1):
 * 2,000 streams, units 128, batch 64 only, 0.1 s each, a smoke run for `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createBundle, type EngineConfig, StreamingModel } from '@streamcell/model';
import { benchList, benchNumber, small } from './small';

const STREAMS = small ? 2_000 : 100_000;
const INPUT_WIDTH = 8;
const CELLS = ['lstm', 'gru'] as const;
// Small mode keeps the one shape the summary line reports (LSTM 128, batch 64).
const UNITS: readonly number[] = small ? [128] : [32, 64, 128];
const BATCHES: readonly number[] = small ? [64] : [1, 64, 1024];
const SECONDS = benchNumber('BENCH_SECONDS', 0.6, 0.1);

const ENGINES: Record<string, EngineConfig> = {
  reference: { kind: 'reference' },
  onnx: { kind: 'onnx', intraOpThreads: 1 },
  'onnx-fused': { kind: 'onnx', intraOpThreads: 1, fusedCells: true },
  'tfjs-wasm': { kind: 'tfjs', backend: 'wasm' },
  'tfjs-cpu': { kind: 'tfjs', backend: 'cpu' },
};
const selected = benchList('BENCH_ENGINES', 'reference,onnx,tfjs-wasm', 'reference,onnx,tfjs-wasm');

/** Small deterministic PRNG so every engine sees the same batches. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const ids = Array.from({ length: STREAMS }, (_, i) => `stream-${i}`);

/** 64 precomputed batches of distinct random stream ids (partial Fisher–Yates). */
function makeBatches(batch: number): string[][] {
  const rand = rng(batch);
  const perm = Int32Array.from({ length: STREAMS }, (_, i) => i);
  return Array.from({ length: 64 }, () => {
    for (let i = 0; i < batch; i++) {
      const j = i + Math.floor(rand() * (STREAMS - i));
      const t = perm[i];
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    return Array.from(perm.subarray(0, batch), (k) => ids[k]);
  });
}

async function benchOne(engine: EngineConfig, cell: 'lstm' | 'gru', units: number, batch: number): Promise<number> {
  const bundle = createBundle({ name: 'bench', spec: { cell, layers: [units], inputWidth: INPUT_WIDTH, head: { units: INPUT_WIDTH } }, init: { seed: 1 } });
  const model = await StreamingModel.create({ bundle, engine, capacity: STREAMS });
  try {
    // Fill the table with non-zero states so every stream is resident and no kernel can skip zeros.
    const rand = rng(7);
    for (const id of ids) model.table.acquire(id, 0);
    for (const buf of model.table.buffers) for (let i = 0; i < buf.length; i++) buf[i] = rand() - 0.5;
    const batches = makeBatches(batch);
    const inputs = Array.from({ length: 8 }, () => Float32Array.from({ length: batch * INPUT_WIDTH }, () => rand() * 2 - 1));
    for (let i = 0; i < 3; i++) await model.step(batches[i], inputs[i % 8], 1);
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < SECONDS || n < 3) {
      await model.step(batches[n % 64], inputs[n % 8], 2);
      n++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    return (batch * n) / elapsed;
  } finally {
    await model.dispose();
  }
}

function runPytorch(): Map<string, number> | null {
  const probe = spawnSync('python3', ['-c', 'import torch'], { stdio: 'ignore' });
  if (probe.status !== 0) {
    console.log(JSON.stringify({ bench: 'model.step', engine: 'pytorch', skipped: 'torch is not importable by python3 (pip install torch)' }));
    return null;
  }
  const configs = CELLS.flatMap((cell) => UNITS.flatMap((units) => BATCHES.map((batch) => ({ cell, units, batch }))));
  const result = spawnSync('python3', [join(__dirname, 'pytorch_step.py'), JSON.stringify({ configs, inputWidth: INPUT_WIDTH, streams: STREAMS, seconds: SECONDS })], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (result.status !== 0) {
    console.log(JSON.stringify({ bench: 'model.step', engine: 'pytorch', skipped: `pytorch_step.py failed: ${result.stderr.slice(-300)}` }));
    return null;
  }
  const out = new Map<string, number>();
  for (const line of result.stdout.trim().split('\n')) {
    const r = JSON.parse(line) as { cell: string; units: number; batch: number; eventsPerSec: number };
    out.set(`${r.cell}${r.units}b${r.batch}`, r.eventsPerSec);
    console.log(JSON.stringify({ bench: 'model.step', engine: 'pytorch', cell: r.cell, units: r.units, batch: r.batch, eventsPerSec: r.eventsPerSec }));
  }
  return out;
}

async function main(): Promise<void> {
  const summary: Record<string, number | null> = {};
  for (const name of selected) {
    const engine = ENGINES[name];
    if (engine === undefined) throw new Error(`unknown engine ${JSON.stringify(name)}; choose from ${Object.keys(ENGINES).join(', ')}`);
    for (const cell of CELLS) {
      for (const units of UNITS) {
        for (const batch of BATCHES) {
          const eps = await benchOne(engine, cell, units, batch);
          console.log(JSON.stringify({ bench: 'model.step', engine: name, cell, units, batch, eventsPerSec: Math.round(eps) }));
          if (cell === 'lstm' && units === 128 && batch === 64) summary[name] = Math.round(eps);
        }
      }
    }
  }
  const torch = runPytorch();
  summary['pytorch'] = torch?.get('lstm128b64') ?? null;
  console.log(JSON.stringify({ bench: 'model', lstm128b64: summary }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
