import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { exited, LocalAlertmanager, testBrokers, uniqueName, waitFor } from '@streamcell/testing';
import { loadAlertsConfig, type AlertsConfig } from '../src/config';
import { alertsProducer, anomaly, committedCount, WebhookReceiver } from './support';

const root = join(__dirname, '..', '..', '..');
const secret = 'crash-secret';

/** The service as its own process (main.ts), so the test can kill it the hard way. */
function spawnService(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['-r', './scripts/register.cjs', 'apps/alerts/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

describe('alerts service killed mid-delivery', () => {
  let alertmanager: LocalAlertmanager;
  let webhook: WebhookReceiver;
  let first: ChildProcess | undefined;
  let second: ChildProcess | undefined;

  before(async () => {
    alertmanager = await LocalAlertmanager.start();
  });

  after(async () => {
    for (const c of [first, second]) {
      if (c !== undefined && c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await exited(c);
      }
    }
    await webhook?.close();
    await alertmanager?.close();
  });

  it('a redelivery after a crash carries the same idempotency key, and is committed only then', async () => {
    // The first request is held and the service killed (SIGKILL) while it waits: the alert went
    // out, its offset was never committed. Later requests are answered.
    let kill: (() => void) | undefined;
    webhook = await new WebhookReceiver(secret, () => {
      if (kill === undefined) return 200;
      const k = kill;
      kill = undefined;
      setImmediate(k);
      return 'hold';
    }).start();
    const id = uniqueName('alerts-crash');
    const env = {
      KAFKA_BROKERS: testBrokers().join(','),
      TOPIC_ALERTS: `${id}.alerts`,
      TOPIC_ALERTS_DLQ: `${id}.alerts.dlq`,
      EVENTS_PARTITIONS: '1',
      ALERTS_GROUP_ID: `${id}-group`,
      ALERTS_HOST: '127.0.0.1',
      ALERTS_PORT: '0',
      ALERTS_ALERTMANAGER_URLS: alertmanager.url,
      ALERTS_WEBHOOK_URLS: webhook.url,
      ALERTS_WEBHOOK_SECRET: secret,
      ALERTS_DELIVERY_TIMEOUT_MS: '60000',
      // The killed member holds the partition until its session times out: keep that short.
      ALERTS_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'error',
    };
    const config: AlertsConfig = loadAlertsConfig(env);

    first = spawnService(env);
    const child = first;
    kill = () => child.kill('SIGKILL');
    const { producer, send } = await alertsProducer(config);
    try {
      await send(anomaly('press-9'));
      await waitFor('the first delivery attempt', () => webhook.requests.length === 1, { timeoutMs: 120_000 });
      await exited(first);
      assert.equal(first.signalCode, 'SIGKILL');
      assert.equal(await committedCount(config), 0, 'killed before the commit');

      second = spawnService(env);
      await waitFor('the redelivery', () => webhook.requests.length === 2, { timeoutMs: 120_000 });
      const [before, again] = webhook.requests;
      assert.ok(before.signatureValid && again.signatureValid);
      assert.match(before.idempotencyKey ?? '', /^[0-9a-f]{32}$/);
      assert.equal(again.idempotencyKey, before.idempotencyKey, 'same alert, same key');
      assert.equal(again.body.length, before.body.length);
      await waitFor('committed after the redelivery', async () => (await committedCount(config)) === 1, { timeoutMs: 60_000 });
      assert.equal((await alertmanager.alerts({ stream: 'press-9' })).length, 1, 'one alert in Alertmanager, however often it was posted');
    } finally {
      await producer.disconnect();
    }
  });
});
