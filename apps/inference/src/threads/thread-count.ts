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

/**
 * INFERENCE_THREADS: 0 = the usable cores, but no more threads than the state bounds can give a
 * share each (one stream and 1 MiB of host memory): the automatic count must never turn valid
 * settings into a configuration error on a machine with many cores. A count set explicitly is
 * taken as it is (threadConfig refuses it when the shares are too small).
 */
export function threadCount(configured: number, cores: () => number = usableCores, bounds?: { readonly stateCapacity: number; readonly stateMemoryBytes: number }): number {
  if (configured > 0) return configured;
  const shares = bounds === undefined ? Number.POSITIVE_INFINITY : Math.min(bounds.stateCapacity, Math.floor(bounds.stateMemoryBytes / (1024 * 1024)));
  return Math.max(1, Math.min(cores(), shares));
}

function readCpuMax(): string | undefined {
  try {
    return readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
  } catch {
    return undefined;
  }
}
