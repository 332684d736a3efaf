import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { KafkaConnection, silentLogger } from '@streamcell/kafka';
import { createBundle, encodeBundle } from '@streamcell/model';
import { testConfig, topicEnv, uniqueName, waitFor } from '@streamcell/testing';
import { chromium, type Browser } from 'playwright-core';
import { createIngestApp } from '../apps/ingest/src/app.factory';
import { ingestSchema } from '../apps/ingest/src/config';
import { createInferenceApp } from '../apps/inference/src/app.factory';
import { inferenceSchema } from '../apps/inference/src/config';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = join(__dirname, '..', 'test-artifacts');

/**
 * The whole path a person sees: events posted to ingest, stepped by inference, shown in the live
 * view in a real (headless) Chromium; the chart updates and an injected anomaly shows as an alert.
 */
describe('live view in a browser', () => {
  const id = uniqueName('live');
  const topics = {
    ...topicEnv(id),
    EVENTS_PARTITIONS: '2',
  };
  let ingest: NestFastifyApplication;
  let inference: NestFastifyApplication;
  let browser: Browser;
  let url: string;
  let step = 0;
  /** Publishes model version `version` (same spec, other weights) to the weights topic. */
  let publish: (version: number) => Promise<void>;

  let ts = Date.now() - 60_000;
  const post = async (values: number[]): Promise<void> => {
    ts += 10; // distinct event times: the view matches predictions to events by ts
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stream: 'live-1', ts, values }) });
    assert.equal(res.status, 200);
  };
  const normal = (): number[] => {
    step += 1;
    return [Math.sin(step * 0.2), Math.cos(step * 0.2)];
  };

  before(async () => {
    assert.ok(existsSync(chromiumPath), `Chromium not found at ${chromiumPath} (Debian: apt-get install chromium; .ci/run installs it)`);
    const ingestConfig = testConfig(ingestSchema, { ...topics, INGEST_PORT: '0', INGEST_HOST: '127.0.0.1', INPUT_WIDTH: '2', INGEST_RAW_ENABLED: 'false' });
    const inferenceConfig = testConfig(inferenceSchema, {
      ...topics,
      INFERENCE_PORT: '0',
      INFERENCE_HOST: '127.0.0.1',
      INFERENCE_GROUP_ID: `${id}-inference`,
      MODEL_NAME: 'live',
      INFERENCE_ENGINE: 'reference',
      INFERENCE_COMMIT_INTERVAL_MS: '50',
      ALERT_WARMUP_EVENTS: '10',
      ALERT_Z_THRESHOLD: '4',
    });
    inference = await createInferenceApp(inferenceConfig);
    await inference.listen({ port: 0, host: '127.0.0.1' });
    const inferenceUrl = await inference.getUrl();
    await waitFor('model topic', async () => (await (await fetch(`${inferenceUrl}/metrics`)).text()).includes('streamcell_inference_model_version'));
    publish = async (version) => {
      const producer = new KafkaConnection(inferenceConfig, silentLogger).producer({ maxQueuedMessages: 10, ackTimeoutMs: 30_000 });
      await producer.connect();
      const spec = { cell: 'gru', layers: [8], inputWidth: 2, head: { units: 2 } } as const;
      const bundle = createBundle({ name: 'live', spec, init: { seed: 2 + version }, version, ...(version > 1 ? { parentVersion: version - 1 } : {}) });
      await waitFor(`weights v${version} published`, async () => {
        await producer.send([{ topic: inferenceConfig.modelWeights, messages: [{ key: 'live', value: encodeBundle(bundle) }] }]);
        return true;
      }, { timeoutMs: 60_000, intervalMs: 1000 });
      await producer.disconnect();
    };
    await publish(1);
    await waitFor('inference ready', async () => (await fetch(`${inferenceUrl}/health/ready`)).status === 200, { timeoutMs: 60_000 });

    ingest = await createIngestApp(ingestConfig);
    await ingest.listen({ port: 0, host: '127.0.0.1' });
    url = await ingest.getUrl();
    await waitFor('ingest connected', async () => (await fetch(`${url}/health`)).status === 200, { timeoutMs: 60_000 });
    await waitFor('live view following', async () => ((await (await fetch(`${url}/live/stats`)).json()) as { following: boolean }).following, { timeoutMs: 60_000 });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
  });

  after(async () => {
    await browser?.close();
    await ingest?.close();
    await inference?.close();
  });

  it('loads, updates the chart as events arrive, and shows an injected anomaly as an alert', async () => {
    for (let i = 0; i < 5; i++) await post(normal());
    await waitFor('stream listed', async () => ((await (await fetch(`${url}/live/streams`)).json()) as string[]).includes('live-1'));
    const page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
    await page.goto(`${url}/live?stream=live-1`);
    await page.waitForFunction("document.querySelector('#stream').value === 'live-1'");
    const points = async (): Promise<number> => Number(await page.textContent('#points'));
    const before = await points();
    for (let i = 0; i < 30; i++) await post(normal());
    await waitFor('chart updated', async () => (await points()) >= before + 30, { timeoutMs: 30_000 });
    assert.equal(await page.locator('#alerts li').count(), 0, 'no alert on normal data');

    // The error figures: the model against last-value, for this stream and across streams.
    const verdict = /model beats last-value|worse than last-value/;
    await waitFor('stream verdict', async () => verdict.test((await page.textContent('#stream-verdict')) ?? ''), { timeoutMs: 30_000 });
    assert.match((await page.textContent('#stream-recent .model')) ?? '', /^[\d.e+-]+$/, 'model MAE shown');
    assert.match((await page.textContent('#stream-recent .naive')) ?? '', /^[\d.e+-]+$/, 'last-value MAE shown');
    assert.match((await page.textContent('#stream-recent .ratio')) ?? '', /^[\d.e+-]+×$/, 'their ratio shown');
    assert.match((await page.textContent('#stream-since .ratio')) ?? '', /×$/);
    await waitFor('overall verdict', async () => verdict.test((await page.textContent('#overall-verdict')) ?? ''), { timeoutMs: 30_000 });
    assert.match((await page.textContent('#overall-verdict')) ?? '', /on \d+ of 1 streams/);
    assert.match((await page.textContent('#overall-median')) ?? '', /×$/);

    // Axes with values and times, the threshold band (once the stream's alert statistics are
    // warm) and the model version that made the forecasts.
    assert.ok((await page.locator('#chart .axis-y text').count()) >= 3, 'value axis labelled');
    assert.match((await page.locator('#chart .axis-x text').first().textContent()) ?? '', /^\d\d:\d\d:\d\d/, 'time axis labelled');
    await waitFor('threshold band', async () => {
      await post(normal());
      return (await page.locator('#chart path.band').count()) >= 1;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    assert.equal(await page.locator('#chart .version-label').first().textContent(), 'v1');
    // The newest event's forecast may still be on its way (inference lags the events by a few):
    // hover until the point under the pointer has one.
    await waitFor('a tooltip with the forecast, its version and the band', async () => {
      await page.hover('#chart', { position: { x: 860, y: 150 } });
      return /forecast .*model v1.*alert band/s.test((await page.textContent('#tooltip')) ?? '');
    }, { timeoutMs: 15_000, intervalMs: 250 });

    // A new version: its forecasts are marked, and the change is drawn.
    await publish(2);
    await waitFor('version change marked', async () => {
      await post(normal());
      return (await page.locator('#chart .version-change').count()) >= 1 && (await page.locator('#chart .version-label', { hasText: 'v2' }).count()) >= 1;
    }, { timeoutMs: 60_000, intervalMs: 200 });

    // Every feature can be charted.
    await page.selectOption('#feature', '1');
    assert.equal(await page.locator('#features tr').count(), 2, 'both features listed with their errors');
    await waitFor('feature 1 charted', async () => ((await page.locator('#chart .axis-y .axis-title').textContent()) ?? '').includes('feature 1'));

    await post([25, -25]); // an anomaly far outside the stream's behaviour
    await post(normal()); // and back: a spike, not a level shift
    await waitFor('alert shown', async () => (await page.locator('#alerts li').count()) >= 1, { timeoutMs: 30_000 });
    assert.match((await page.textContent('#alerts li')) ?? '', /z=\d+\.\d\d/);
    assert.notEqual(await page.textContent('#version'), '–', 'the model version in use is shown');
    await waitFor('alert marked on the chart', async () => (await page.locator('#chart .alert-marker').count()) >= 1);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'live-view.png'), fullPage: true });
  });
});
