import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonLogger } from '@streamcell/observability';
import { exited, tempDir, testConfig, topicEnv, uniqueName, waitFor } from '@streamcell/testing';
import { createAlertsApp, startConsuming } from '../../apps/alerts/src/app.factory';
import { alertsSchema } from '../../apps/alerts/src/config';
import { createInferenceApp } from '../../apps/inference/src/app.factory';
import { inferenceSchema } from '../../apps/inference/src/config';
import { createIngestApp } from '../../apps/ingest/src/app.factory';
import { ingestSchema } from '../../apps/ingest/src/config';
import { createTrainerApp } from '../../apps/trainer/src/app.factory';
import { trainerSchema } from '../../apps/trainer/src/config';
import { metricNames } from './promql';
import { dashboardExprs, ruleExprs } from './queries';

const prometheusBinary = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The four services run against the real broker and a real Prometheus server scrapes them on
 * loopback; through its HTTP API, every metric that a Grafana panel or an alert rule queries must
 * exist and have samples.
 */
describe('Prometheus scraping the running services', () => {
  const id = uniqueName('prom');
  const topics = {
    ...topicEnv(id),
    EVENTS_PARTITIONS: '2',
    INPUT_WIDTH: '2',
    MODEL_NAME: 'prom',
  };
  const apps: NestFastifyApplication[] = [];
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let ingestBase = '';

  before(async () => {
    const trainer = await createTrainerApp(
      testConfig(trainerSchema, {
        ...topics,
        TRAINER_HOST: '127.0.0.1',
        TRAINER_PORT: '0',
        TRAINER_GROUP_ID: `${id}-trainer`,
        TRAINER_FROM_BEGINNING: 'true',
        TRAINER_LAYERS: '4',
        TRAINER_WINDOW_SIZE: '32',
        TRAINER_K1: '4',
        TRAINER_K2: '4',
        TRAINER_BATCH_SIZE: '4',
        TRAINER_ITERATIONS: '2',
        TRAINER_TRAIN_EVERY_EVENTS: '40',
        TRAINER_TRAIN_EVERY_SECONDS: '1',
        MODEL_MAX_BYTES: String(1 << 20),
      }),
    );
    apps.push(trainer);
    const inference = await createInferenceApp(
      testConfig(inferenceSchema, { ...topics, INFERENCE_HOST: '127.0.0.1', INFERENCE_PORT: '0', INFERENCE_GROUP_ID: `${id}-inference`, INFERENCE_ENGINE: 'reference' }),
    );
    apps.push(inference);
    const ingest = await createIngestApp(testConfig(ingestSchema, { ...topics, INGEST_HOST: '127.0.0.1', INGEST_PORT: '0', INGEST_RAW_GROUP_ID: `${id}-raw` }));
    apps.push(ingest);
    // Nothing is delivered here (the Alertmanager URL answers nothing): its metrics exist from the start.
    const alertsConfig = testConfig(alertsSchema, {
      ...topics,
      ALERTS_HOST: '127.0.0.1',
      ALERTS_PORT: '0',
      ALERTS_GROUP_ID: `${id}-alerts`,
      ALERTS_ALERTMANAGER_URLS: 'http://127.0.0.1:9',
    });
    const alerts = await createAlertsApp(alertsConfig);
    apps.push(alerts);
    for (const a of apps) await a.listen({ port: 0, host: '127.0.0.1' });
    await startConsuming(alerts, alertsConfig, new JsonLogger('alerts', 'error'));
    const [trainerUrl, inferenceUrl, ingestUrl, alertsUrl] = await Promise.all(apps.map((a) => a.getUrl()));
    ingestBase = ingestUrl ?? '';
    const notReady = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const u of [trainerUrl, inferenceUrl, ingestUrl, alertsUrl]) {
        const r = await fetch(`${u}/health/ready`);
        if (r.status !== 200) out.push(`${u}: ${await r.text()}`);
      }
      return out;
    };
    await waitFor('all ready', async () => (await notReady()).length === 0, { timeoutMs: 180_000 }).catch(async (e: unknown) => {
      throw new Error(`${String(e)}: ${(await notReady()).join('; ')}`);
    });

    // Traffic, so that histograms and per-partition series have samples: valid and invalid events.
    for (let k = 0; k < 30; k++) {
      const body = JSON.stringify(Array.from({ length: 8 }, (_, s) => ({ stream: `p${s}`, values: [Math.sin(k + s), Math.cos(k)] })));
      await fetch(`${ingestUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    }
    await fetch(`${ingestUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"stream":"p0","values":[1]}' });
    await waitFor('predictions made', async () => /^streamcell_inference_predictions_total\S* ([1-9]\d*)/m.test(await (await fetch(`${inferenceUrl}/metrics`)).text()), { timeoutMs: 60_000 });
    await waitFor('a training round', async () => /^streamcell_trainer_round_duration_seconds_count\S* ([1-9]\d*)/m.test(await (await fetch(`${trainerUrl}/metrics`)).text()), { timeoutMs: 120_000 });

    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const dir = tempDir('streamcell-prometheus-');
    const target = (u: string) => new URL(u).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        ...[['ingest', ingestUrl], ['inference', inferenceUrl], ['trainer', trainerUrl], ['alerts', alertsUrl]].map(
          ([job, u]) => `  - job_name: ${job}\n    static_configs: [{ targets: ["${target(u)}"] }]`,
        ),
      ].join('\n'),
    );
    prometheus = spawn(prometheusBinary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: 'ignore',
    });
    await waitFor('prometheus scraped all four', async () => {
      const r = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent('sum(up)')}`)).json()) as { data: { result: { value: [number, string] }[] } };
      return r.data.result[0]?.value[1] === '4';
    }, { timeoutMs: 60_000, intervalMs: 500 });
  });

  after(async () => {
    // Its data dir (tempDir) goes at the process's exit, once Prometheus has stopped writing to it.
    const stopped = prometheus === undefined ? Promise.resolve() : exited(prometheus);
    prometheus?.kill('SIGTERM');
    for (const a of apps.reverse()) await a.close();
    await stopped;
  });

  it('has samples for every metric a dashboard panel or an alert rule queries', async () => {
    const names = new Set([...dashboardExprs(), ...ruleExprs()].flatMap((e) => metricNames(e.expr)));
    assert.ok(names.size >= 30, `${names.size} metric names`);
    const missing: string[] = [];
    for (const name of names) {
      // Over a window, not at an instant: one scrape over the 1 s timeout marks a target's series
      // stale, and every metric of that service would read as missing.
      const r = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(`count(last_over_time({__name__="${name}"}[5m]))`)}`)).json()) as { data: { result: unknown[] } };
      if (r.data.result.length === 0) missing.push(name);
    }
    assert.deepEqual(missing.sort(), [], 'metrics queried by dashboards or rules with no samples in Prometheus');
  });

  // The services answered only 2xx and 4xx: the request counter has no 5xx series, and the 5xx
  // ratio panels must read 0 there, not "No data".
  it('shows a 5xx ratio of 0 while there are requests but no 5xx', async () => {
    const query = async (q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> =>
      ((await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    // A rate needs an increase between two scrapes: requests while Prometheus is scraping.
    const post = (body: string): Promise<Response> => fetch(`${ingestBase}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await waitFor('a request rate', async () => {
      await post(JSON.stringify({ stream: 'p0', values: [0.5, 0.25] }));
      await post('{"stream":"p0","values":[1]}');
      return (await query('sum(rate(streamcell_ingest_request_duration_seconds_count[1m])) > 0')).length === 1;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    assert.deepEqual(await query('count(streamcell_ingest_request_duration_seconds_count{status=~"5.."})'), [], 'no 5xx series yet');
    const panels = dashboardExprs().filter((e) => /5xx/.test(e.where));
    assert.ok(panels.length >= 2);
    for (const p of panels) {
      const result = await query(p.expr.replaceAll('$__rate_interval', '1m').replaceAll('$service', '.*'));
      assert.deepEqual(result.map((r) => r.value[1]), ['0'], `${p.where}: ${p.expr}`);
    }
  });
});
