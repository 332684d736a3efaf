import { brokerCheck, consumerCheck } from '@streamcell/kafka';
import type { Readiness } from '@streamcell/observability';
import type { InferenceService } from './threads/inference-service';

/**
 * Inference's health checks. Ready = a model loaded, the model topic followed, and the events
 * consumer in its group and fetching: inference serves no requests, so readiness says whether this
 * worker does its job (rollouts wait for it). Kafka reachability is reported alongside, not
 * required: a consumer that cannot reach Kafka is already not consuming. Every check reads held
 * state (no Kafka round trip).
 */
export function registerInferenceChecks(readiness: Readiness, worker: InferenceService): void {
  readiness.register({ name: 'kafka', required: false, check: () => brokerCheck(worker.brokerStatus) });
  readiness.register({
    name: 'model',
    check: () => {
      // Serving the last version while deaf to new ones (and to rollbacks) is not working.
      const deaf = worker.weightsError;
      if (deaf !== undefined) throw new Error(`the model topic follower stopped: ${deaf.message}; new versions and rollbacks are not applied`);
      if (worker.modelVersion > 0) return { version: worker.modelVersion };
      throw new Error('no model loaded: waiting for a weights bundle on the model topic');
    },
  });
  readiness.register({
    name: 'consumer',
    check: () => {
      const failed = worker.startError;
      if (failed !== undefined) throw new Error(`start-up failed: ${failed.message}`);
      return consumerCheck(worker.consumerHealth);
    },
  });
}
