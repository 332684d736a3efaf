/**
 * Model step benchmark (npm run bench:model): events/s of StreamingModel.step (resolve the batch's
 * stream ids, gather their states from a 100k-stream table, one step, scatter) for each engine,
 * LSTM and GRU, units 32/64/128, batch 1/64/1024, input width 8, no normalisation or per-stream
 * transform (the PyTorch peer has none either), plus the same shapes on PyTorch when torch is
 * importable (scripts/bench/pytorch_step.py: ids resolved through a dict, like ours): with
 * torch.set_num_threads equal to our intra-op threads (the ratio's denominator), with PyTorch's
 * default threads, and handed ready row indices. The peers run alongside, in slices alternating
 * with our engine's (pytorch-peer.ts); each side's best slice counts. Prints JSON lines, then a
 * summary:
 *
 *   {"bench":"model","lstm128b64":{<engine>:events/s,…,"pytorch":…},"engine":"onnx","threads":1,
 *    "ratio":{"lstm128b64":…,"lstm128b1024":…,"gru128b64":…,…},"pytorchDefaultThreads":n,
 *    "ratioDefaultThreads":{…},"ratioIndexOnly":{…}}
 *
 * ratio = the ONNX engine's (else the first engine's) events/s over PyTorch's, per (cell, units,
 * batch); null where torch is missing.
 *
 * Env: BENCH_SECONDS (time per configuration and side, default 1.5), BENCH_ROUNDS (slices it is
 * split into, default 15), BENCH_ENGINES (comma list, default
 * reference,onnx,tfjs-wasm; also available: onnx-fused, tfjs-cpu, onnx-cuda), BENCH_THREADS (ONNX intra-op
 * threads and PyTorch's equal-thread run, default 1), BENCH_UNITS / BENCH_BATCHES (comma lists).
 * `--small` (or BENCH_SMALL=1): 2,000 streams, units 128, batch 64 only, 0.1 s each, a smoke run
 * for `npm test`.
 */
import { createBundle, type EngineConfig, StreamingModel } from '@streamcell/model';
import { PytorchPeer, torchMissing } from './pytorch-peer';
import { benchList, benchNumber, small } from './small';

const STREAMS = small ? 2_000 : 100_000;
const INPUT_WIDTH = 8;
const CELLS = ['lstm', 'gru'] as const;
// Small mode keeps the one shape the summary line reports (LSTM 128, batch 64).
const UNITS: readonly number[] = benchList('BENCH_UNITS', '32,64,128', '128').map(Number);
const BATCHES: readonly number[] = benchList('BENCH_BATCHES', '1,64,1024', '64').map(Number);
const SECONDS = benchNumber('BENCH_SECONDS', 1.5, 0.1);
/**
 * Alternating slices per configuration (SECONDS split between them); each side's best slice
 * counts. Short slices (0.1 s): on a shared machine a 0.2 s slice rarely went by without another
 * process taking the core for part of it, so best-of-5 × 0.2 s read LSTM-128 batch 1024 at 0.27M
 * events/s where best-of-20 × 0.1 s read 0.47M (ONNX alone, same minute).
 */
const ROUNDS = benchNumber('BENCH_ROUNDS', 15, 1);
const THREADS = benchNumber('BENCH_THREADS', 1, 1);

const ENGINES: Record<string, EngineConfig> = {
  reference: { kind: 'reference' },
  onnx: { kind: 'onnx', intraOpThreads: THREADS },
  'onnx-fused': { kind: 'onnx', intraOpThreads: THREADS, fusedCells: true },
  'tfjs-wasm': { kind: 'tfjs', backend: 'wasm' },
  'tfjs-cpu': { kind: 'tfjs', backend: 'cpu' },
  // Needs an NVIDIA GPU and onnxruntime-node's CUDA build (scripts/bench/gpu.sh).
  'onnx-cuda': { kind: 'onnx', executionProvider: 'cuda' },
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

/** One configuration of one engine, ready to be timed in slices. */
interface Prepared {
  /** Events/s over at least `seconds` (and one step). */
  run(seconds: number): Promise<number>;
  dispose(): Promise<void>;
}

async function prepare(engine: EngineConfig, cell: 'lstm' | 'gru', units: number, batch: number): Promise<Prepared> {
  const bundle = createBundle({ name: 'bench', spec: { cell, layers: [units], inputWidth: INPUT_WIDTH, head: { units: INPUT_WIDTH } }, init: { seed: 1 } });
  const model = await StreamingModel.create({ bundle, engine, capacity: STREAMS });
  // Fill the table with non-zero states so every stream is resident and no kernel can skip zeros.
  const rand = rng(7);
  for (const id of ids) model.table.acquire(id, 0);
  for (const buf of model.table.buffers) for (let i = 0; i < buf.length; i++) buf[i] = rand() - 0.5;
  const batches = makeBatches(batch);
  const inputs = Array.from({ length: 8 }, () => Float32Array.from({ length: batch * INPUT_WIDTH }, () => rand() * 2 - 1));
  for (let i = 0; i < 3; i++) await model.step(batches[i], inputs[i % 8], 1);
  let n = 0;
  return {
    async run(seconds: number): Promise<number> {
      const start = process.hrtime.bigint();
      let steps = 0;
      let elapsed = 0;
      while (elapsed < seconds || steps < 1) {
        await model.step(batches[n % 64], inputs[n % 8], 2);
        n++;
        steps++;
        elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      }
      return (batch * steps) / elapsed;
    },
    dispose: () => model.dispose(),
  };
}

/** Ours / theirs, 3 decimals; null without a peer figure. */
const ratio = (ours: number, theirs: number | undefined): number | null => (theirs === undefined ? null : Math.round((ours / theirs) * 1000) / 1000);

async function main(): Promise<void> {
  const summary: Record<string, number | null> = {};
  const main = selected.includes('onnx') ? 'onnx' : selected[0];
  const threads = ENGINES[main]?.kind === 'onnx' ? THREADS : 1;
  const missing = torchMissing();
  if (missing !== null) console.log(JSON.stringify({ bench: 'model.step', engine: 'pytorch', skipped: missing }));
  const setup = { inputWidth: INPUT_WIDTH, streams: STREAMS };
  // Equal threads with ids (the ratio's denominator), ready row indices, PyTorch's default threads
  // (last in each round, then a pause: its idle OpenMP workers spin for a while after a slice).
  const peers = missing !== null ? [] : [{ threads, ids: true }, { threads, ids: false }, { threads: null, ids: true }].map((v) => new PytorchPeer(v, setup));
  const peerBest = peers.map(() => new Map<string, number>());
  const peerThreads = peers.map((p) => p.variant.threads ?? 0);
  const ours = new Map<string, number>();
  try {
    for (const name of selected) {
      const engine = ENGINES[name];
      if (engine === undefined) throw new Error(`unknown engine ${JSON.stringify(name)}; choose from ${Object.keys(ENGINES).join(', ')}`);
      for (const cell of CELLS) {
        for (const units of UNITS) {
          for (const batch of BATCHES) {
            const key = `${cell}${units}b${batch}`;
            const config = { cell, units, batch };
            const prepared = await prepare(engine, cell, units, batch);
            // Alternating slices, best of each side: background load (other processes on a shared
            // machine) then slows both alike instead of whichever ran during a busy second.
            const withPeers = name === main ? peers : [];
            let best = 0;
            try {
              for (let r = 0; r < ROUNDS; r++) {
                best = Math.max(best, await prepared.run(SECONDS / ROUNDS));
                for (const [i, peer] of withPeers.entries()) {
                  const a = await peer.run(config, SECONDS / ROUNDS);
                  peerBest[i].set(key, Math.max(peerBest[i].get(key) ?? 0, a.eventsPerSec));
                  peerThreads[i] = a.threads;
                  if (peer.variant.threads === null) await new Promise((r) => setTimeout(r, 200));
                }
              }
            } finally {
              await prepared.dispose();
            }
            console.log(JSON.stringify({ bench: 'model.step', engine: name, cell, units, batch, threads: engine.kind === 'onnx' ? THREADS : 1, eventsPerSec: Math.round(best) }));
            if (name === main) ours.set(key, Math.round(best));
            if (key === 'lstm128b64') summary[name] = Math.round(best);
          }
        }
      }
    }
  } finally {
    for (const p of peers) p.close();
  }
  for (const [i, peer] of peers.entries()) {
    for (const [key, eps] of peerBest[i]) {
      const [, cell, units, batch] = /^(\w+?)(\d+)b(\d+)$/.exec(key)!;
      console.log(JSON.stringify({ bench: 'model.step', engine: 'pytorch', cell, units: Number(units), batch: Number(batch), threads: peerThreads[i], ids: peer.variant.ids, eventsPerSec: Math.round(eps) }));
    }
  }
  summary['pytorch'] = peerBest[0]?.get('lstm128b64') ?? null;
  const ratios = (i: number): Record<string, number | null> => Object.fromEntries([...ours].map(([k, v]) => [k, ratio(v, peerBest[i]?.get(k))]));
  console.log(
    JSON.stringify({
      bench: 'model',
      lstm128b64: summary,
      engine: main,
      threads,
      ratio: ratios(0),
      pytorchDefaultThreads: peers.length > 2 ? peerThreads[2] : null,
      ratioDefaultThreads: ratios(2),
      ratioIndexOnly: ratios(1),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
