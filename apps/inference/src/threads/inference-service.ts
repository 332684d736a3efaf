import type { BrokerStatus, ConsumerHealth } from '@streamcell/kafka';

/** What the app's lifecycle and health checks need from inference: one worker, or one per thread. */
export interface InferenceService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The model version served (0 = none yet; with threads, the lowest any thread serves). */
  readonly modelVersion: number;
  readonly consumerHealth: ConsumerHealth | undefined;
  readonly brokerStatus: BrokerStatus;
  readonly startError: Error | undefined;
  /** Why the model.weights follower stopped for good: new versions and rollbacks no longer arrive. */
  readonly weightsError: Error | undefined;
}

/** Nest injection token of the InferenceService. */
export const INFERENCE_SERVICE = Symbol('InferenceService');
