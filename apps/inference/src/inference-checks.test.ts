import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Readiness } from '@streamcell/observability';
import { registerInferenceChecks } from './inference-checks';
import type { InferenceService } from './threads/inference-service';

it('is not ready once the model topic follower stopped for good, although a version is served', () => {
  const worker = {
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    modelVersion: 4,
    consumerHealth: { state: 'consuming' },
    brokerStatus: { reachable: true, brokers: 1, checkedAt: Date.now() },
    startError: undefined,
    weightsError: undefined as Error | undefined,
  } satisfies InferenceService;
  const readiness = new Readiness();
  registerInferenceChecks(readiness, worker);
  assert.equal(readiness.evaluate('ready').status, 'ok');
  worker.weightsError = new Error('Not authorized to access group');
  const report = readiness.evaluate('ready');
  assert.equal(report.status, 'error');
  assert.match(String(report.error['model']?.message), /model topic follower stopped: Not authorized to access group; new versions and rollbacks are not applied/);
});
