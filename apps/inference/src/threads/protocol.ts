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
}

export type ToThread = { readonly kind: 'metrics'; readonly id: number } | { readonly kind: 'stop' };

export type FromThread =
  | { readonly kind: 'status'; readonly status: ThreadStatus }
  | { readonly kind: 'metrics'; readonly id: number; readonly json: MetricsJson }
  | { readonly kind: 'stopped' };

/** Each thread's share of the per-process state bounds. */
export function threadConfig(config: InferenceConfig, count: number): InferenceConfig {
  return {
    ...config,
    stateCapacity: Math.max(1, Math.ceil(config.stateCapacity / count)),
    stateMemoryBytes: Math.max(1024 * 1024, Math.floor(config.stateMemoryBytes / count)),
  };
}

export function toConsumerHealth(c: ThreadStatus['consumer']): ConsumerHealth | undefined {
  if (c === undefined) return undefined;
  if (c.state === 'restarting' || c.state === 'failed') return { state: c.state, error: new Error(c.error ?? 'unknown') };
  return { state: c.state };
}
