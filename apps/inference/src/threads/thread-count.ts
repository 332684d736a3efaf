import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * The cores this process may use: CPU affinity (what os.availableParallelism reports), capped by
 * a cgroup v2 CPU limit (`cpu.max`, a Kubernetes CPU limit), which affinity does not show: a pod
 * limited to 2 CPUs on a 64-core node must not start 64 threads.
 */
export function usableCores(cpuMax: string | undefined = readCpuMax()): number {
  const affinity = availableParallelism();
  const [quota, period] = (cpuMax ?? '').trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period);
  if (quota === 'max' || !Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) return affinity;
  return Math.max(1, Math.min(affinity, Math.ceil(q / p)));
}

/** INFERENCE_THREADS: 0 = the usable cores. */
export function threadCount(configured: number, cores: () => number = usableCores): number {
  return configured > 0 ? configured : cores();
}

function readCpuMax(): string | undefined {
  try {
    return readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
  } catch {
    return undefined;
  }
}
