import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Metrics } from '@streamcell/observability';
import { AlertsMetrics } from '../../apps/alerts/src/alerts.metrics';
import { InferenceMetrics } from '../../apps/inference/src/inference.metrics';
import { IngestMetrics } from '../../apps/ingest/src/ingest.metrics';
import { TrainerMetrics } from '../../apps/trainer/src/trainer.metrics';
import { metricNames } from './promql';
import { dashboardExprs, ruleExprs } from './queries';
import { deployDir } from './support';

// No dashboard panel and no alert rule may query a metric that no service exports. The exported
// set is read from the services' own metric classes registered on a fresh registry (plus the
// Node.js process metrics every service registers, prefixed streamcell_); histograms also
// export <name>_bucket, _sum and _count.

/** Series Prometheus itself attaches to every target. */
const prometheusSynthetic = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

async function exported(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const build of [(m: Metrics) => new IngestMetrics(m), (m: Metrics) => new InferenceMetrics(m), (m: Metrics) => new TrainerMetrics(m), (m: Metrics) => new AlertsMetrics(m, ['alertmanager-1'])]) {
    const metrics = new Metrics('x');
    build(metrics);
    for (const m of await metrics.registry.getMetricsAsJSON()) out.set(m.name, String(m.type));
  }
  return out;
}

function unknownNames(exprs: readonly { where: string; expr: string }[], names: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const { where, expr } of exprs) {
    for (const name of metricNames(expr)) {
      if (names.has(name) || prometheusSynthetic.has(name)) continue;
      const base = name.replace(/_(bucket|sum|count)$/, '');
      if (base !== name && (names.get(base) === 'histogram' || names.get(base) === 'summary')) continue;
      problems.push(`${where}: ${name}`);
    }
  }
  return problems;
}

describe('metrics named by dashboards and alert rules', () => {
  it('extracts metric names from PromQL (and so can report a wrong one)', () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.99, sum by (le, service) (rate(foo_seconds_bucket{service=~"$service",status=~"5.."}[$__rate_interval]))) > 1e-3'),
      ['foo_seconds_bucket'],
    );
    assert.deepEqual(metricNames('a_total / ignoring(x) group_left b_total and on (y) c == 0 offset 5m'), ['a_total', 'b_total', 'c']);
    assert.deepEqual(unknownNames([{ where: 'probe', expr: 'rate(streamcell_ingest_no_such_metric_total[5m])' }], new Map()), ['probe: streamcell_ingest_no_such_metric_total']);
  });

  it('every dashboard panel queries metrics the services export', async () => {
    const exprs = dashboardExprs();
    assert.ok(exprs.length >= 60, `${exprs.length} panel queries`);
    assert.deepEqual(unknownNames(exprs, await exported()), []);
  });

  it('every alert rule queries metrics the services export', async () => {
    const exprs = ruleExprs();
    assert.ok(exprs.length >= 10, `${exprs.length} rules`);
    assert.deepEqual(unknownNames(exprs, await exported()), []);
  });

  it('each service has a dashboard and the rules cover what the issue lists', () => {
    const files = readdirSync(join(deployDir, 'grafana', 'dashboards')).sort();
    assert.deepEqual(files, ['alerts.json', 'inference.json', 'ingest.json', 'overview.json', 'trainer.json']);
    const all = ruleExprs().map((r) => r.expr).join('\n');
    for (const metric of [
      'streamcell_inference_consumer_lag',
      'streamcell_ingest_events_rejected_total',
      'streamcell_inference_dlq_total',
      'streamcell_inference_model_version',
      'streamcell_inference_weights_refused_total',
      'streamcell_inference_transaction_failures_total',
      'streamcell_trainer_rejections_since_publish',
      'streamcell_inference_restore_duration_seconds_bucket',
      'streamcell_ingest_request_duration_seconds_count',
      'streamcell_alerts_target_up',
      'streamcell_alerts_dead_lettered_total',
      'streamcell_alerts_invalid_records_total',
      'streamcell_alerts_delivery_seconds_bucket',
    ]) assert.ok(all.includes(metric), `an alert rule on ${metric}`);
  });
});
