/**
 * Model step benchmark (npm run bench:model): events/s of StreamingModel.step (resolve the batch's
 * stream ids, gather their states from a 100k-stream table, one step, scatter) for each engine,
 * LSTM and GRU, units 32/64/128, batch 1/64/1024, input width 8, no normalisation or per-stream
 * transform (the PyTorch peer has none either), plus the same shapes on PyTorch when torch is
 * importable (scripts/bench/pytorch_step.py: ids resolved through a dict, like ours): once with
 * torch.set_num_threads equal to our intra-op threads (the ratio's denominator), once with
 * PyTorch's default threads, once handed ready row indices. Prints JSON lines, then a summary:
 *
 *   {"bench":"model","lstm128b64":{<engine>:events/s,…,"pytorch":…},"engine":"onnx","threads":1,
 *    "ratio":{"lstm128b64":…,"lstm128b1024":…,"gru128b64":…,…},"pytorchDefaultThreads":n,
 *    "ratioDefaultThreads":{…},"ratioIndexOnly":{…}}
 *
 * ratio = the ONNX engine's (else the first engine's) events/s over PyTorch's, per (cell, units,
 * batch); null where torch is missing.
 *
 * Env: BENCH_SECONDS (time per configuration, default 0.6), BENCH_ENGINES (comma list, default
 * reference,onnx,tfjs-wasm; also available: onnx-fused, tfjs-cpu), BENCH_THREADS (ONNX intra-op
 * threads and PyTorch's equal-thread run, default 1), BENCH_UNITS / BENCH_BATCHES (comma lists).
 * `--small` (or BENCH_SMALL=1): 2,000 streams, units 128, batch 64 only, 0.1 s each, a smoke run
 * for `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createBundle, type EngineConfig, StreamingModel } from '@streamcell/model';
import { benchList, benchNumber, small } from './small';

const STREAMS = small ? 2_000 : 100_000;
const INPUT_WIDTH = 8;
const CELLS = ['lstm', 'gru'] as const;
// Small mode keeps the one shape the summary line reports (LSTM 128, batch 64).
const UNITS: readonly number[] = benchList('BENCH_UNITS', '32,64,128', '128').map(Number);
const BATCHES: readonly number[] = benchList('BENCH_BATCHES', '1,64,1024', '64').map(Number);
const SECONDS = benchNumber('BENCH_SECONDS', 0.6, 0.1);
const THREADS = benchNumber('BENCH_THREADS', 1, 1);

const ENGINES: Record<string, EngineConfig> = {
  reference: { kind: 'reference' },
  onnx: { kind: 'onnx', intraOpThreads: THREADS },
  'onnx-fused': { kind: 'onnx', intraOpThreads: THREADS, fusedCells: true },
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

interface PeerRun {
  readonly threads: number | null;
  readonly ids: boolean;
}

/** PyTorch's events/s per `${cell}${units}b${batch}` and the threads it ran with, or null without torch. */
function runPytorch(run: PeerRun): { eps: Map<string, number>; threads: number } | null {
  const probe = spawnSync('python3', ['-c', 'import torch'], { stdio: 'ignore' });
  if (probe.status !== 0) {
    console.log(JSON.stringify({ bench: 'model.step', engine: 'pytorch', skipped: 'torch is not importable by python3 (pip install torch)' }));
    return null;
  }
  const configs = CELLS.flatMap((cell) => UNITS.flatMap((units) => BATCHES.map((batch) => ({ cell, units, batch }))));
  const args = { configs, inputWidth: INPUT_WIDTH, streams: STREAMS, seconds: SECONDS, threads: run.threads, ids: run.ids };
  const result = spawnSync('python3', [join(__dirname, 'pytorch_step.py'), JSON.stringify(args)], { encoding: 'utf8' });
  if (result.status !== 0) {
    console.log(JSON.stringify({ bench: 'model.step', engine: 'pytorch', skipped: `pytorch_step.py failed: ${result.stderr.slice(-300)}` }));
    return null;
  }
  const eps = new Map<string, number>();
  let threads = 0;
  for (const line of result.stdout.trim().split('\n')) {
    const r = JSON.parse(line) as { cell: string; units: number; batch: number; eventsPerSec: number; threads: number; ids: boolean };
    eps.set(`${r.cell}${r.units}b${r.batch}`, r.eventsPerSec);
    threads = r.threads;
    console.log(JSON.stringify({ bench: 'model.step', engine: 'pytorch', ...r }));
  }
  return { eps, threads };
}

/** ours / theirs per configuration, 3 decimals; null without a peer figure. */
function ratios(ours: Map<string, number>, theirs: Map<string, number> | undefined): Record<string, number | null> {
  return Object.fromEntries([...ours].map(([key, eps]) => {
    const peer = theirs?.get(key);
    return [key, peer === undefined ? null : Math.round((eps / peer) * 1000) / 1000];
  }));
}

async function main(): Promise<void> {
  const summary: Record<string, number | null> = {};
  const all = new Map<string, Map<string, number>>();
  for (const name of selected) {
    const engine = ENGINES[name];
    if (engine === undefined) throw new Error(`unknown engine ${JSON.stringify(name)}; choose from ${Object.keys(ENGINES).join(', ')}`);
    const byConfig = new Map<string, number>();
    all.set(name, byConfig);
    for (const cell of CELLS) {
      for (const units of UNITS) {
        for (const batch of BATCHES) {
          const eps = await benchOne(engine, cell, units, batch);
          console.log(JSON.stringify({ bench: 'model.step', engine: name, cell, units, batch, threads: engine.kind === 'onnx' ? THREADS : 1, eventsPerSec: Math.round(eps) }));
          byConfig.set(`${cell}${units}b${batch}`, Math.round(eps));
          if (cell === 'lstm' && units === 128 && batch === 64) summary[name] = Math.round(eps);
        }
      }
    }
  }
  const main = all.has('onnx') ? 'onnx' : selected[0];
  const threads = ENGINES[main].kind === 'onnx' ? THREADS : 1;
  const equal = runPytorch({ threads, ids: true });
  const byDefault = equal === null ? null : runPytorch({ threads: null, ids: true });
  const indexOnly = equal === null ? null : runPytorch({ threads, ids: false });
  summary['pytorch'] = equal?.eps.get('lstm128b64') ?? null;
  const ours = all.get(main) ?? new Map<string, number>();
  console.log(
    JSON.stringify({
      bench: 'model',
      lstm128b64: summary,
      engine: main,
      threads,
      ratio: ratios(ours, equal?.eps),
      pytorchDefaultThreads: byDefault?.threads ?? null,
      ratioDefaultThreads: ratios(ours, byDefault?.eps),
      ratioIndexOnly: ratios(ours, indexOnly?.eps),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
