/**
 * Runs the River peer (river_peer.py) on a quality workload, the way bench:model runs PyTorch:
 * a child python3 process, JSON in and out through temporary files (stdout pipes would need
 * chunked reading for ~90k numbers). The peer is optional: when python3 or river is missing the
 * result is null and the benchmark reports `peerMae: null`. A peer that is installed but fails
 * is an error, not a null: a silent null would hide a broken comparison.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QualityWorkload } from '@streamcell/workload';

export const RIVER_PEER_SCRIPT = join(__dirname, 'river_peer.py');

export interface RiverPeerOptions {
  /** Python interpreter. Default 'python3'. */
  readonly python?: string;
  /** RIVER_PEER_MODEL: 'diff' (default), 'lags' or 'snarimax' (see river_peer.py). */
  readonly model?: string;
  /** Kill the peer after this many milliseconds. Default 600,000 (the full workload takes ~10 s). */
  readonly timeoutMs?: number;
  /** Tell the peer each series' own period (default true); false gives it none, as streamcell on the real series. */
  readonly periods?: boolean;
}

interface PeerOutput {
  readonly forecasts: Array<Array<number | null>> | null;
  readonly error?: string;
}

/**
 * One Float64Array per series, aligned with its values: element k is the peer's forecast of
 * event k, made before seeing it, NaN where the peer had none yet (event 0). Null when python3
 * or river is not available.
 */
export async function runRiverPeer(workload: QualityWorkload, options: RiverPeerOptions = {}): Promise<Float64Array[] | null> {
  const dir = await mkdtemp(join(tmpdir(), 'streamcell-river-peer-'));
  try {
    const input = join(dir, 'series.json');
    const output = join(dir, 'forecasts.json');
    const payload = {
      intervalSeconds: workload.intervalSeconds,
      series: workload.series.map((s) => ({ id: s.id, values: Array.from(s.values), period: options.periods === false ? null : (s.period ?? null) })),
    };
    await writeFile(input, JSON.stringify(payload));
    const env = { ...process.env, ...(options.model !== undefined ? { RIVER_PEER_MODEL: options.model } : {}) };
    const ran = await runPython(options.python ?? 'python3', [RIVER_PEER_SCRIPT, input, output], env, options.timeoutMs ?? 600_000);
    if (ran === 'missing') return null;
    const result = JSON.parse(await readFile(output, 'utf8')) as PeerOutput;
    if (result.forecasts === null) return null;
    if (result.forecasts.length !== workload.series.length) {
      throw new Error(`river peer returned ${result.forecasts.length} series for ${workload.series.length}`);
    }
    return result.forecasts.map((f, i) => {
      const expected = workload.series[i].values.length;
      if (f.length !== expected) throw new Error(`river peer returned ${f.length} forecasts for series ${workload.series[i].id} (${expected} events)`);
      return Float64Array.from(f, (v) => (v === null ? Number.NaN : v));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** 'ok' when the script exited 0, 'missing' when the interpreter does not exist; throws otherwise. */
function runPython(python: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<'ok' | 'missing'> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    // Our own timer rather than spawn's `timeout` option: that one is only cleared on 'exit',
    // which never comes when the interpreter is missing, so it kept the process alive for the
    // whole timeout.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // Keep the tail only: the error message is at the end of a traceback.
      stderr = (stderr + chunk).slice(-4_000);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') resolve('missing');
      else reject(new Error(`could not run ${python} ${RIVER_PEER_SCRIPT}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve('ok');
      else reject(new Error(`${python} ${RIVER_PEER_SCRIPT} failed (${signal ?? `exit ${String(code)}`}): ${stderr.trim()}`));
    });
  });
}
