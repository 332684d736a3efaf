import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describeSchema, type Schema } from '@streamcell/config';
import { Metrics } from '@streamcell/observability';
import { AlertsMetrics } from '../apps/alerts/src/alerts.metrics';
import { alertsSchema } from '../apps/alerts/src/config';
import { ingestSchema } from '../apps/ingest/src/config';
import { IngestMetrics } from '../apps/ingest/src/ingest.metrics';
import { inferenceSchema } from '../apps/inference/src/config';
import { InferenceMetrics } from '../apps/inference/src/inference.metrics';
import { trainerSchema } from '../apps/trainer/src/config';
import { TrainerMetrics } from '../apps/trainer/src/trainer.metrics';

/** Keeps the README true: every setting and metric a service has is documented there. */
const root = join(__dirname, '..');

describe('README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
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
    assert.deepEqual(undocumented(alertsSchema), []);
  });

  it('shows every setting as its schema describes it: default, expected form and meaning', () => {
    const docs = [readme, ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => readFileSync(join(root, 'docs', f), 'utf8'))].join('\n');
    for (const [app, schema] of [['ingest', ingestSchema], ['inference', inferenceSchema], ['trainer', trainerSchema], ['alerts', alertsSchema]] as const) {
      // The rows `scripts/docs/config-table.ts <app>` prints; a stale default or meaning fails here.
      const rows = describeSchema(schema).split('\n').slice(2);
      assert.deepEqual(rows.filter((row) => !docs.includes(row)), [], app);
    }
  });

  it('documents every metric of every service', async () => {
    for (const [service, register] of [
      ['ingest', (m: Metrics) => new IngestMetrics(m)],
      ['inference', (m: Metrics) => new InferenceMetrics(m)],
      ['trainer', (m: Metrics) => new TrainerMetrics(m)],
      ['alerts', (m: Metrics) => new AlertsMetrics(m, ['alertmanager-1'])],
    ] as const) {
      const names = await metricNames(service, register);
      assert.ok(names.length >= 7, service);
      assert.deepEqual(names.filter((n) => !readme.includes(`\`${n}\``)), [], service);
    }
  });

  it('states the Node.js versions package.json engines accepts', () => {
    const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const minimum = /^>=(\d+\.\d+)/.exec(engines)?.[1];
    assert.ok(minimum !== undefined, engines);
    assert.ok(readme.includes(`Node.js ${minimum}+`), `README requirements vs engines ${engines}`);
  });

  it('has a "Try it" block that works under a running npm start (no kafka:down there)', () => {
    const block = /Try it[^\n]*\n\n```bash\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block !== undefined, 'a "Try it" bash block');
    assert.ok(!block.includes('kafka:down'), block);
  });

  it('documents the live view stream parameter and every benchmark with its small mode', () => {
    assert.ok(readme.includes('/live?stream=<id>'));
    const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    for (const bench of scripts.filter((s) => s.startsWith('bench:'))) assert.ok(readme.includes(`npm run ${bench}`), bench);
    assert.ok(readme.includes('-- --small'));
  });
});

/** The docs stand alone: every link and path they point to is inside this repository. */
describe('docs', () => {
  const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

  for (const doc of docs) {
    it(`${doc} links only to files inside the repository`, () => {
      const text = readFileSync(join(root, doc), 'utf8');
      assert.ok(!/\.\.\/shared\//.test(text), `${doc} points to ../shared/`);
      const broken: string[] = [];
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (target === undefined || /^[a-z]+:/.test(target)) continue; // http:, mailto:
        const path = resolve(root, dirname(doc), target);
        if (relative(root, path).startsWith('..') || !existsSync(path)) broken.push(target);
      }
      assert.deepEqual(broken, []);
    });
  }
});

