import { ConfigError } from '@streamcell/config';
import type { BrokerStatus, ConsumerHealth } from '@streamcell/kafka';
import type { MetricsJson } from '@streamcell/observability';
import type { InferenceConfig } from '../config';

/** A thread's start parameters (workerData). */
export interface ThreadData {
  readonly config: InferenceConfig;
  readonly index: number;
  readonly count: number;
}

/** A thread's health as plain data (errors do not cross threads as Error objects). */
export interface ThreadStatus {
  readonly modelVersion: number;
  readonly consumer: { readonly state: ConsumerHealth['state']; readonly error?: string } | undefined;
  readonly broker: BrokerStatus;
  readonly startError: string | undefined;
  readonly weightsError: string | undefined;
}

export type ToThread = { readonly kind: 'metrics'; readonly id: number } | { readonly kind: 'stop' };

export type FromThread =
  | { readonly kind: 'status'; readonly status: ThreadStatus }
  | { readonly kind: 'metrics'; readonly id: number; readonly json: MetricsJson }
  | { readonly kind: 'stopped' };

const minThreadMemory = 1024 * 1024;

/**
 * Each thread's share of the per-process state bounds, never more than the bound in all: a share
 * below one stream or 1 MiB is a configuration error (raising it to the minimum would let the
 * threads together hold up to INFERENCE_THREADS times what was set, unsaid).
 */
export function threadConfig(config: InferenceConfig, count: number): InferenceConfig {
  const stateCapacity = Math.floor(config.stateCapacity / count);
  const stateMemoryBytes = Math.floor(config.stateMemoryBytes / count);
  const problems: string[] = [];
  if (stateCapacity < 1) problems.push(`INFERENCE_STATE_CAPACITY=${config.stateCapacity} is less than one stream for each of ${count} threads: raise it or lower INFERENCE_THREADS`);
  if (stateMemoryBytes < minThreadMemory) problems.push(`INFERENCE_STATE_MEMORY_BYTES=${config.stateMemoryBytes} is less than 1 MiB for each of ${count} threads: raise it or lower INFERENCE_THREADS`);
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, stateCapacity, stateMemoryBytes };
}

export function toConsumerHealth(c: ThreadStatus['consumer']): ConsumerHealth | undefined {
  if (c === undefined) return undefined;
  if (c.state === 'restarting' || c.state === 'failed') return { state: c.state, error: new Error(c.error ?? 'unknown') };
  return { state: c.state };
}
