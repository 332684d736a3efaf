import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { dlqHeaders } from '@streamcell/events';
import type { KafkaProducer } from '@streamcell/kafka';
import { LocalAlertmanager, TopicReader, waitFor } from '@streamcell/testing';
import type { AlertsConfig } from '../src/config';
import { alertDlqHeaders } from '../src/dead-letters';
import { alertsProducer, alertsTestConfig, anomaly, committedCount, metric, startAlertsService, WebhookReceiver } from './support';

const secret = 'outage-secret';

interface Running {
  config: AlertsConfig;
  app: NestFastifyApplication;
  url: string;
  producer: KafkaProducer;
  send: Awaited<ReturnType<typeof alertsProducer>>['send'];
  dlq: TopicReader;
}

async function run(alertmanager: LocalAlertmanager, webhook: WebhookReceiver, overrides: Record<string, string>): Promise<Running> {
  const config = alertsTestConfig({ ALERTS_ALERTMANAGER_URLS: alertmanager.url, ALERTS_WEBHOOK_URLS: webhook.url, ALERTS_WEBHOOK_SECRET: secret, ...overrides });
  const { app, url } = await startAlertsService(config);
  const { producer, send } = await alertsProducer(config);
  const dlq = await new TopicReader(config, config.alertsDlq).start();
  return { config, app, url, producer, send, dlq };
}

async function stop(r: Running | undefined): Promise<void> {
  await r?.dlq.stop();
  await r?.producer.disconnect();
  await r?.app.close();
}

describe('alerts service while Alertmanager is down', () => {
  let alertmanager: LocalAlertmanager;
  let webhook: WebhookReceiver;
  let service: Running | undefined;

  before(async () => {
    alertmanager = await LocalAlertmanager.start();
    webhook = await new WebhookReceiver(secret).start();
  });

  after(async () => {
    await stop(service);
    await webhook?.close();
    await alertmanager?.close();
  });

  it('Alertmanager stopped, then started: alerts are retried and arrive, none lost, none dead-lettered while retries remain', async () => {
    // Retries for about 20 s: time enough for a restart.
    service = await run(alertmanager, webhook, { ALERTS_MAX_ATTEMPTS: '30', ALERTS_BACKOFF_INITIAL_MS: '200', ALERTS_BACKOFF_MAX_MS: '1000', EVENTS_PARTITIONS: '1' });
    await alertmanager.stop();
    const streams = ['kiln-1', 'kiln-2', 'kiln-3'];
    for (const s of streams) await service.send(anomaly(s));

    // The webhook is not held up by Alertmanager's retries: it gets the first alert at once.
    await waitFor('the webhook got the first alert', () => webhook.keysFor('kiln-1').length === 1);
    const { url, config } = service;
    await waitFor('Alertmanager retried', async () => (await metric(url, 'streamcell_alerts_retries_total', { target: 'alertmanager-1' })) >= 2);
    assert.equal(await committedCount(config), 0, 'nothing committed while a target has not taken the alert');

    await alertmanager.start();
    await waitFor(
      'every alert in Alertmanager',
      async () => {
        const got = new Set((await alertmanager.alerts()).map((a) => a.labels.stream));
        return streams.every((s) => got.has(s));
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await waitFor('all committed', async () => (await committedCount(config)) === streams.length);
    for (const s of streams) assert.equal(webhook.keysFor(s).length, 1, `${s} delivered to the webhook once`);
    assert.equal(service.dlq.messages.length, 0, 'nothing dead-lettered');
    assert.equal(await metric(url, 'streamcell_alerts_delivered_total', { target: 'alertmanager-1' }), 3);
    assert.equal(await metric(url, 'streamcell_alerts_target_up', { target: 'alertmanager-1' }), 1);
    await stop(service);
    service = undefined;
  });

  it('stopped mid-retry: closes long before its retry budget, without committing, and the next instance delivers the alert under the same key', async (t) => {
    await alertmanager.stop();
    const overrides = { ALERTS_MAX_ATTEMPTS: '100', ALERTS_BACKOFF_INITIAL_MS: '500', ALERTS_BACKOFF_MAX_MS: '2000', EVENTS_PARTITIONS: '1' };
    service = await run(alertmanager, webhook, overrides);
    const { url, config } = service;
    await service.send(anomaly('drill-1'));
    await waitFor('retrying', async () => (await metric(url, 'streamcell_alerts_retries_total', { target: 'alertmanager-1' })) >= 1);
    // The test's own dead-letter reader and producer first: only the service's close is timed
    // (a test consumer leaving mid-join can take its rebalance timeout on a loaded machine).
    await service.dlq.stop();
    await service.producer.disconnect();
    // 30 s: far below the retry budget (100 attempts, up to 2 s apart), with room for a loaded CI.
    const closing = Date.now();
    await service.app.close();
    service = undefined;
    t.diagnostic(`the service closed in ${Date.now() - closing} ms`);
    assert.ok(Date.now() - closing < 30_000, `closed in ${Date.now() - closing} ms, not after the retry budget`);
    assert.equal(await committedCount(config), 0, 'not committed: the alert was not delivered everywhere');

    await alertmanager.start();
    const again = await startAlertsService(config);
    try {
      await waitFor('delivered by the next instance', async () => (await alertmanager.alerts({ stream: 'drill-1' })).length === 1, { timeoutMs: 60_000 });
      await waitFor('committed', async () => (await committedCount(config)) === 1);
      const keys = webhook.keysFor('drill-1');
      assert.equal(keys.length, 2, 'the webhook got it from both instances');
      assert.equal(keys[0], keys[1], 'under the same key');
    } finally {
      await again.app.close();
    }
  });

  it('Alertmanager down past the retry bound: the alert is on alerts.dlq with the reason; later alerts do not wait out the backoff', async () => {
    service = await run(alertmanager, webhook, { ALERTS_MAX_ATTEMPTS: '3', ALERTS_BACKOFF_INITIAL_MS: '100', ALERTS_BACKOFF_MAX_MS: '200', EVENTS_PARTITIONS: '1' });
    const { url, config, dlq } = service;
    await alertmanager.stop();
    await service.send(anomaly('oven-1'));

    const [letter] = await dlq.waitForCount(1);
    assert.equal(letter.headers[dlqHeaders.reason], 'delivery_failed');
    assert.equal(letter.headers[alertDlqHeaders.target], 'alertmanager-1');
    assert.equal(letter.headers[alertDlqHeaders.attempts], '3');
    assert.match(letter.headers[dlqHeaders.detail] ?? '', /alertmanager-1 failed 3 attempt\(s\), last: unreachable/);
    assert.equal(letter.key?.toString(), 'oven-1');
    assert.equal((JSON.parse(letter.value?.toString() ?? '{}') as { stream?: string }).stream, 'oven-1', 'the alert as it came, ready to replay');
    assert.equal(letter.headers[alertDlqHeaders.idempotencyKey], webhook.keysFor('oven-1')[0], 'the webhook got it, under the same key');
    await waitFor('committed after dead-lettering', async () => (await committedCount(config)) === 1);
    assert.equal(await metric(url, 'streamcell_alerts_target_up', { target: 'alertmanager-1' }), 0);
    assert.equal(await metric(url, 'streamcell_alerts_dead_lettered_total', { target: 'alertmanager-1', reason: 'delivery_failed' }), 1);
    assert.equal(await metric(url, 'streamcell_alerts_dead_lettered_total', { target: 'webhook-1', reason: 'delivery_failed' }), 0);
    const ready = (await (await fetch(`${url}/health`)).json()) as { error: Record<string, { message: string }> };
    assert.match(ready.error.targets?.message ?? '', /alertmanager-1/);
    assert.equal((await fetch(`${url}/health/ready`)).status, 200, 'a down target does not take the service out');

    // While it is down, each alert gets one attempt, not the whole backoff.
    await service.send(anomaly('oven-2'));
    const [, second] = await dlq.waitForCount(2);
    assert.equal(second.headers[alertDlqHeaders.attempts], '1');

    // Back up: the next alert is delivered and the target is up again.
    await alertmanager.start();
    await service.send(anomaly('oven-3'));
    await waitFor('delivered after the outage', async () => (await alertmanager.alerts({ stream: 'oven-3' })).length === 1);
    await waitFor('target up again', async () => (await metric(url, 'streamcell_alerts_target_up', { target: 'alertmanager-1' })) === 1);
    await waitFor('all committed', async () => (await committedCount(config)) === 3);
    assert.equal(dlq.messages.length, 2);
  });
});
