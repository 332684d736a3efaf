import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Metrics } from './metrics';
import { ObservabilityController } from './observability.controller';
import { Readiness, type HealthReport } from './readiness';

function controllerWith(...checks: Parameters<Readiness['register']>[0][]): ObservabilityController {
  const readiness = new Readiness();
  for (const c of checks) readiness.register(c);
  // /health/live is terminus's; these tests cover the readiness answers only.
  return new ObservabilityController(new Metrics('test'), readiness, {} as HealthCheckService, {} as HealthIndicatorService);
}

const kafkaDown = { name: 'kafka', required: false, check: (): never => { throw new Error('connect ECONNREFUSED'); } };
const consumerUp = { name: 'consumer', check: () => ({ state: 'consuming' }) };
const consumerDown = { name: 'consumer', check: (): never => { throw new Error('restarting after: ECONNREFUSED'); } };

function unavailableBody(f: () => unknown): HealthReport {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ServiceUnavailableException, `expected 503, got ${String(e)}`);
    return e.getResponse() as HealthReport;
  }
  throw new Error('expected 503');
}

describe('health answers', () => {
  it('ready stays 200 while an informational check is down, and reports it', () => {
    const c = controllerWith(kafkaDown, consumerUp);
    const report = c.ready();
    assert.equal(report.status, 'ok');
    assert.deepEqual(report.error.kafka, { status: 'down', required: false, message: 'connect ECONNREFUSED' });
    assert.deepEqual(report.info.consumer, { state: 'consuming', status: 'up', required: true });
  });

  it('/health fails when any check is down, informational ones included', () => {
    const body = unavailableBody(() => controllerWith(kafkaDown, consumerUp).overall());
    assert.equal(body.status, 'error');
    assert.deepEqual(Object.keys(body.error), ['kafka']);
  });

  it('ready answers 503 with every check listed when a required check is down', () => {
    const body = unavailableBody(() => controllerWith(kafkaDown, consumerDown).ready());
    assert.equal(body.details.consumer.message, 'restarting after: ECONNREFUSED');
    assert.equal(body.details.kafka.status, 'down');
  });

  it('with no required check (ingest), ready means the process answers', () => {
    assert.equal(controllerWith(kafkaDown).ready().status, 'ok');
  });
});
