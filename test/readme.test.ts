import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '@streamcell/observability';
import { ingestSchema } from '../apps/ingest/src/config';
import { IngestMetrics } from '../apps/ingest/src/ingest.metrics';

/** Keeps the README true: every setting and metric a service has is documented there. */
describe('README', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

  it('documents every ingest setting', () => {
    const missing = Object.values(ingestSchema).map((s) => s.variable).filter((v) => !readme.includes(`\`${v}\``));
    assert.deepEqual(missing, []);
  });

  it('documents every ingest metric', async () => {
    const metrics = new Metrics('ingest');
    new IngestMetrics(metrics);
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('streamcell_ingest_'));
    assert.ok(names.length >= 7);
    assert.deepEqual(names.filter((n) => !readme.includes(`\`${n}\``)), []);
  });
});
