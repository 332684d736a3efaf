import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Schema } from '@streamcell/config';
import { Metrics } from '@streamcell/observability';
import { ingestSchema } from '../apps/ingest/src/config';
import { IngestMetrics } from '../apps/ingest/src/ingest.metrics';
import { inferenceSchema } from '../apps/inference/src/config';
import { InferenceMetrics } from '../apps/inference/src/inference.metrics';
import { trainerSchema } from '../apps/trainer/src/config';
import { TrainerMetrics } from '../apps/trainer/src/trainer.metrics';

/** Keeps the README true: every setting and metric a service has is documented there. */
describe('README', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const undocumented = (schema: Schema) => Object.values(schema).map((s) => s.variable).filter((v) => !readme.includes(`\`${v}\``));
  const metricNames = async (service: string, register: (m: Metrics) => unknown) => {
    const metrics = new Metrics(service);
    register(metrics);
    return (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith(`streamcell_${service}_`));
  };

  it('documents every setting of every service', () => {
    assert.deepEqual(undocumented(ingestSchema), []);
    assert.deepEqual(undocumented(inferenceSchema), []);
    assert.deepEqual(undocumented(trainerSchema), []);
  });

  it('documents every metric of every service', async () => {
    for (const [service, register] of [
      ['ingest', (m: Metrics) => new IngestMetrics(m)],
      ['inference', (m: Metrics) => new InferenceMetrics(m)],
      ['trainer', (m: Metrics) => new TrainerMetrics(m)],
    ] as const) {
      const names = await metricNames(service, register);
      assert.ok(names.length >= 7, service);
      assert.deepEqual(names.filter((n) => !readme.includes(`\`${n}\``)), [], service);
    }
  });
});
