/**
 * Trainer benchmark (npm run bench:trainer): truncated-BPTT iterations per second and events
 * learned per second for an LSTM of 64 units, input width 8, k1 = k2 = 32, batch 32, on each
 * training engine that is available here (libs/model's 'onnx' engine, then TF.js backends), then
 * the same setting in PyTorch (scripts/bench/pytorch_tbptt.py) when `python3 -c 'import torch'`
 * works: once with torch.set_num_threads equal to our thread count (the ratio's denominator) and
 * once with PyTorch's default thread count.
 *
 * One iteration is what the online trainer runs per batch: libs/model's trainTbptt over 32 streams
 * × 32 steps of model-space data starting from the carried states, Adam resumed from the previous
 * state, global-norm clipping 1 — one update (k1 = k2). Events learned = batch × k1 per iteration.
 *
 * Env: BENCH_SECONDS (per engine and round, default 10), BENCH_ROUNDS (default 3; each figure is
 * the best round, ONNX and PyTorch alternating), BENCH_BACKENDS (default onnx,wasm,cpu,tensorflow,tensorflow-gpu;
 * 'onnx' is the ONNX engine, the rest TF.js backends; unavailable ones are reported as skipped),
 * BENCH_THREADS (ONNX intra-op threads and PyTorch's equal-thread run, default 1). `--small` (or
 * BENCH_SMALL=1): LSTM 8, k1 = k2 = 4, batch 4, 0.3 s on onnx and cpu, a smoke run for `npm test`.
 * Last line: {"bench":"trainer","itersPerSec":…,"backend":…,"threads":…,"rounds":…,"pytorchItersPerSec":…,
 * "ratio":…,"pytorchDefaultThreads":…,"pytorchDefaultThreadsItersPerSec":…,"ratioDefaultThreads":…}
 * (best engine; ratio = ours / PyTorch at equal threads, null without torch).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createBundle, EngineUnavailableError, trainTbptt, type AdamState, type TfjsBackendName, type WeightsBundle } from '@streamcell/model';
import { benchList, benchNumber, small } from './small';

type Backend = 'onnx' | TfjsBackendName;

const UNITS = small ? 8 : 64;
const WIDTH = 8;
const K1 = small ? 4 : 32;
const K2 = K1;
const BATCH = small ? 4 : 32;
const SECONDS = benchNumber('BENCH_SECONDS', 10, 0.3);
const THREADS = benchNumber('BENCH_THREADS', 1, 1);
const ROUNDS = benchNumber('BENCH_ROUNDS', 3, 1);
const BACKENDS = benchList('BENCH_BACKENDS', 'onnx,wasm,cpu,tensorflow,tensorflow-gpu', 'onnx,cpu') as Backend[];

function data(seed: number): { inputs: Float32Array; targets: Float32Array } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
  return { inputs: Float32Array.from({ length: BATCH * K2 * WIDTH }, next), targets: Float32Array.from({ length: BATCH * K2 * WIDTH }, next) };
}

interface Runner {
  /** Iterations per second over `seconds` of back-to-back iterations (continuing the same training). */
  measure(seconds: number): Promise<number>;
}

/** A warmed-up trainer loop on one engine, or null (with a skipped line) where it is unavailable. */
async function runner(backend: Backend): Promise<Runner | null> {
  let bundle: WeightsBundle = createBundle({ name: 'bench', spec: { cell: 'lstm', layers: [UNITS], inputWidth: WIDTH, head: { units: WIDTH } }, init: { seed: 1 } });
  const batches = [data(1), data(2), data(3), data(4)];
  let optimizerState: AdamState | undefined;
  let states: Float32Array[] | undefined;
  let n = 0;
  const iteration = async (): Promise<void> => {
    const r = await trainTbptt(bundle, { streams: BATCH, steps: K2, ...batches[n++ % batches.length], ...(states ? { initialStates: states } : {}) }, {
      k1: K1,
      k2: K2,
      learningRate: 1e-3,
      clipNorm: 1,
      modelSpace: true,
      ...(backend === 'onnx' ? { engine: 'onnx' as const, threads: THREADS } : { engine: 'tfjs' as const, backend }),
      ...(optimizerState ? { optimizerState } : {}),
    });
    bundle = r.bundle;
    optimizerState = r.optimizerState;
    states = r.finalStates;
  };
  try {
    await iteration();
  } catch (e) {
    if (e instanceof EngineUnavailableError) {
      process.stdout.write(`${JSON.stringify({ bench: 'trainer.tbptt', backend, skipped: e.message })}\n`);
      return null;
    }
    throw e;
  }
  await iteration();
  return {
    async measure(seconds) {
      let count = 0;
      const start = process.hrtime.bigint();
      let elapsed = 0;
      while (elapsed < seconds) {
        await iteration();
        count += 1;
        elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      }
      const itersPerSec = count / elapsed;
      process.stdout.write(
        `${JSON.stringify({
          bench: 'trainer.tbptt',
          backend,
          ...(backend === 'onnx' ? { threads: THREADS } : {}),
          cell: 'lstm',
          units: UNITS,
          k1: K1,
          k2: K2,
          batch: BATCH,
          inputWidth: WIDTH,
          iterations: count,
          itersPerSec,
          eventsPerSec: itersPerSec * BATCH * K1,
        })}\n`,
      );
      return itersPerSec;
    },
  };
}

interface PytorchRun {
  readonly threads: number;
  readonly itersPerSec: number;
}

/** PyTorch at `threads` then at its default thread count (one process), or null where it cannot run. */
function benchPytorch(threads: number): { equal: PytorchRun; byDefault: PytorchRun } | null {
  const probe = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    process.stdout.write(`${JSON.stringify({ bench: 'trainer.tbptt', backend: 'pytorch', skipped: 'python3 cannot import torch' })}\n`);
    return null;
  }
  const args = JSON.stringify({ units: UNITS, k1: K1, k2: K2, batch: BATCH, inputWidth: WIDTH, seconds: SECONDS, threads: [threads, null] });
  const run = spawnSync('python3', [join(__dirname, 'pytorch_tbptt.py'), args], { encoding: 'utf8' });
  if (run.status !== 0) {
    process.stdout.write(`${JSON.stringify({ bench: 'trainer.tbptt', backend: 'pytorch', skipped: `pytorch_tbptt.py failed: ${run.stderr.trim().split('\n').at(-1)}` })}\n`);
    return null;
  }
  const lines = run.stdout.trim().split('\n');
  for (const line of lines) process.stdout.write(`${line}\n`);
  const [equal, byDefault] = lines.map((line) => JSON.parse(line) as PytorchRun);
  return { equal, byDefault };
}

const best = (xs: readonly number[]): number | null => (xs.length === 0 ? null : Math.max(...xs));

/**
 * The machine this runs on is often shared, so each figure is the best of BENCH_ROUNDS rounds, and
 * the ONNX engine and PyTorch alternate round by round: a burst of load from elsewhere slows one
 * round of each rather than all of one side. TF.js backends (tens of times slower) run one round.
 */
async function main(): Promise<void> {
  const runners = new Map<Backend, Runner>();
  for (const backend of BACKENDS) {
    const r = await runner(backend);
    if (r !== null) runners.set(backend, r);
  }
  const ours = new Map<Backend, number[]>([...runners.keys()].map((b) => [b, []]));
  // TF.js's cpu/wasm backends are single-threaded: equal threads means 1 unless ONNX runs with more.
  const threads = runners.has('onnx') ? THREADS : 1;
  const equal: number[] = [];
  const byDefault: number[] = [];
  let defaultThreads: number | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [backend, r] of runners) if (round === 0 || backend === 'onnx') ours.get(backend)!.push(await r.measure(SECONDS));
    const torch = benchPytorch(threads);
    if (torch === null) continue;
    equal.push(torch.equal.itersPerSec);
    byDefault.push(torch.byDefault.itersPerSec);
    defaultThreads = torch.byDefault.threads;
  }
  let top: { backend: Backend; itersPerSec: number } | null = null;
  for (const [backend, xs] of ours) {
    const b = best(xs)!;
    if (top === null || b > top.itersPerSec) top = { backend, itersPerSec: b };
  }
  const itersPerSec = top?.itersPerSec ?? null;
  const pytorch = best(equal);
  const pytorchDefault = best(byDefault);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'trainer',
      itersPerSec,
      backend: top?.backend ?? null,
      threads: top?.backend === 'onnx' ? THREADS : 1,
      rounds: ROUNDS,
      eventsPerSec: itersPerSec === null ? null : itersPerSec * BATCH * K1,
      pytorchItersPerSec: pytorch,
      ratio: itersPerSec !== null && pytorch !== null ? itersPerSec / pytorch : null,
      pytorchDefaultThreads: defaultThreads,
      pytorchDefaultThreadsItersPerSec: pytorchDefault,
      ratioDefaultThreads: itersPerSec !== null && pytorchDefault !== null ? itersPerSec / pytorchDefault : null,
    })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:trainer failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
