import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { dlqHeaders, encodeAlert } from '@streamcell/events';
import type { KafkaProducer } from '@streamcell/kafka';
import { LocalAlertmanager, TopicReader, waitFor } from '@streamcell/testing';
import type { AlertsConfig } from '../src/config';
import { alertsProducer, alertsTestConfig, anomaly, committedCount, metric, startAlertsService, WebhookReceiver } from './support';

const secret = 'test-secret';

describe('alerts service against a real Alertmanager, a webhook and a broker', () => {
  let alertmanager: LocalAlertmanager;
  let webhook: WebhookReceiver;
  let config: AlertsConfig;
  let app: NestFastifyApplication;
  let url: string;
  let producer: KafkaProducer;
  let send: Awaited<ReturnType<typeof alertsProducer>>['send'];
  let dlq: TopicReader;
  let produced = 0;
  const produce = async (...args: Parameters<typeof send>): Promise<void> => {
    await send(...args);
    produced += 1;
  };

  before(async () => {
    alertmanager = await LocalAlertmanager.start();
    webhook = await new WebhookReceiver(secret).start();
    config = alertsTestConfig({
      ALERTS_ALERTMANAGER_URLS: alertmanager.url,
      ALERTS_WEBHOOK_URLS: webhook.url,
      ALERTS_WEBHOOK_SECRET: secret,
      ALERTS_RESOLVE_AFTER_MS: '8000',
      ALERTS_SEVERITY: 'page',
      ALERTS_LIVE_VIEW_URL: 'http://ingest.example:8080/live',
    });
    ({ app, url } = await startAlertsService(config));
    ({ producer, send } = await alertsProducer(config));
    dlq = await new TopicReader(config, config.alertsDlq).start();
  });

  after(async () => {
    await dlq?.stop();
    await producer?.disconnect();
    await app?.close();
    await webhook?.close();
    await alertmanager?.close();
  });

  it('an alert on the topic becomes an active Alertmanager alert with the right labels and a signed webhook call, then resolves', async () => {
    const alert = anomaly('pump-17');
    await produce(alert);

    const [active] = await waitFor('the alert in Alertmanager', async () => {
      const list = await alertmanager.alerts({ stream: 'pump-17' });
      return list.length > 0 && list;
    });
    assert.deepEqual(active.labels, { alertname: 'StreamcellAnomaly', stream: 'pump-17', model: 'default', model_version: '4', severity: 'page' });
    assert.equal(active.status.state, 'active');
    assert.equal(active.annotations.score, '9.25');
    assert.equal(active.annotations.forecast, '[1, 2, 3]');
    assert.equal(active.annotations.actual, '[1, 9.5, 3]');
    assert.equal(active.annotations.live_view, 'http://ingest.example:8080/live?stream=pump-17');
    assert.equal(active.generatorURL, 'http://ingest.example:8080/live?stream=pump-17');
    assert.equal(new Date(active.startsAt).getTime(), alert.ts);

    const call = await waitFor('the webhook call', () => webhook.requests.find((r) => r.json.alert.stream === 'pump-17'));
    assert.ok(call.signatureValid, 'HMAC-SHA256 signature over "<t>.<body>" with the shared secret');
    assert.ok(call.signatureAgeS >= -1 && call.signatureAgeS < 60, `signed ${call.signatureAgeS} s ago`);
    assert.match(call.idempotencyKey ?? '', /^[0-9a-f]{32}$/);
    assert.equal(call.json.idempotencyKey, call.idempotencyKey);
    assert.equal(active.annotations.idempotency_key, call.idempotencyKey, 'one key per alert, whichever target');
    assert.deepEqual(call.json.alert, { ...alert });

    await waitFor('the offset committed after delivery', async () => (await committedCount(config)) === produced);
    assert.equal(await metric(url, 'streamcell_alerts_delivered_total', { target: 'alertmanager-1' }), 1);
    assert.equal(await metric(url, 'streamcell_alerts_delivered_total', { target: 'webhook-1' }), 1);

    // endsAt = delivery + ALERTS_RESOLVE_AFTER_MS (8 s): Alertmanager resolves it by itself.
    await waitFor('the alert resolved', async () => (await alertmanager.alerts({ stream: 'pump-17' })).length === 0, { timeoutMs: 30_000, intervalMs: 250 });
  });

  it('flood control: one firing alert per stream, later ones counted and not delivered until it resolves', async () => {
    const ts = Date.now();
    await produce(anomaly('fan-3', ts));
    await produce(anomaly('fan-3', ts + 1000, 12));
    await produce(anomaly('fan-3', ts + 2000, 15));
    await waitFor('all three committed', async () => (await committedCount(config)) === produced);
    assert.equal(webhook.keysFor('fan-3').length, 1);
    assert.equal((await alertmanager.alerts({ stream: 'fan-3' })).length, 1);
    assert.equal(await metric(url, 'streamcell_alerts_records_total', { outcome: 'suppressed' }), 2);
    assert.equal(await metric(url, 'streamcell_alerts_firing_streams'), 1);

    await waitFor('the fan-3 alert resolved', async () => (await alertmanager.alerts({ stream: 'fan-3' })).length === 0, { timeoutMs: 30_000, intervalMs: 250 });
    await produce(anomaly('fan-3', Date.now(), 20));
    await waitFor('a new alert after it resolved', () => webhook.keysFor('fan-3').length === 2);
    const [first, second] = webhook.keysFor('fan-3');
    assert.notEqual(first, second, 'a new alert has a key of its own');
  });

  it('dead-letters records that are not alert v1, with the reason and the bytes, and keeps consuming', async () => {
    const wrongVersion = JSON.stringify({ ...JSON.parse(encodeAlert(anomaly('valve-1'))), v: 2 });
    await produce('this is not json', 'valve-1');
    await produce(wrongVersion, 'valve-1');
    await produce(anomaly('valve-2'));

    const letters = await dlq.waitForCount(2);
    assert.deepEqual(
      letters.map((m) => [m.headers[dlqHeaders.reason], m.value?.toString(), m.key?.toString()]),
      [
        ['malformed_json', 'this is not json', 'valve-1'],
        ['unsupported_version', wrongVersion, 'valve-1'],
      ],
    );
    for (const m of letters) {
      assert.match(m.headers[dlqHeaders.detail] ?? '', /\S/);
      assert.match(m.headers[dlqHeaders.origin] ?? '', new RegExp(`^${config.alerts.replace(/\./g, '\\.')}/\\d+/\\d+$`));
    }
    await waitFor('the next alert delivered', () => webhook.keysFor('valve-2').length === 1);
    await waitFor('everything committed', async () => (await committedCount(config)) === produced);
    assert.equal(await metric(url, 'streamcell_alerts_invalid_records_total', { reason: 'malformed_json' }), 1);
    assert.equal(await metric(url, 'streamcell_alerts_invalid_records_total', { reason: 'unsupported_version' }), 1);
    assert.equal(dlq.messages.length, 2, 'nothing else dead-lettered');
  });
});
