import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { ConfigError } from '@streamcell/config';
import { portFree, startSettings, startDefaults } from './settings';

describe('npm start settings', () => {
  it('uses the documented defaults when nothing is set', async () => {
    const s = await startSettings({}, '127.0.0.1:9092');
    assert.equal(s.ingest.url, 'http://127.0.0.1:8080');
    assert.equal(s.inference.url, 'http://127.0.0.1:8081');
    assert.equal(s.trainer.url, 'http://127.0.0.1:8082');
    assert.equal(s.inputWidth, 8);
    assert.equal(s.alertsTopic, 'alerts');
    assert.equal(s.apiKey, undefined);
    assert.equal(s.env['TRAINER_LAYERS'], startDefaults['TRAINER_LAYERS']);
    assert.equal(s.env['KAFKA_BROKERS'], '127.0.0.1:9092');
    assert.equal(s.alerts.url, 'http://127.0.0.1:8083');
    assert.equal(s.env['ALERTS_LIVE_VIEW_URL'], 'http://127.0.0.1:8080/live');
  });

  it('delivers alerts to the configured targets, else to a local Alertmanager when installed, else starts no alerts service', async () => {
    const installed = (bins: string[]) => (path: string) => bins.includes(path);
    const configured = await startSettings({ ALERTS_WEBHOOK_URLS: 'http://hook', ALERTS_WEBHOOK_SECRET: 's' }, 'b:1', undefined, installed([]));
    assert.deepEqual(configured.alertDelivery, { kind: 'configured' });
    const local = await startSettings({}, 'b:1', undefined, installed(['/usr/bin/prometheus-alertmanager']));
    assert.deepEqual(local.alertDelivery, { kind: 'local-alertmanager', alertmanagerBin: '/usr/bin/prometheus-alertmanager' });
    const elsewhere = await startSettings({ ALERTMANAGER_BIN: '/opt/am' }, 'b:1', undefined, installed(['/opt/am']));
    assert.deepEqual(elsewhere.alertDelivery, { kind: 'local-alertmanager', alertmanagerBin: '/opt/am' });
    const none = await startSettings({}, 'b:1', undefined, installed([]));
    assert.deepEqual(none.alertDelivery, { kind: 'none' });
  });

  it('derives where it waits and posts from the settings the services get', async () => {
    const s = await startSettings(
      {
        INGEST_PORT: '18080',
        INFERENCE_PORT: '18081',
        TRAINER_PORT: '18082',
        INGEST_HOST: '0.0.0.0',
        INPUT_WIDTH: '3',
        TOPIC_ALERTS: 'my.alerts',
        INGEST_API_KEYS: 'k1,k2',
        TRAINER_LAYERS: '16',
        INGEST_LIVE_VIEW: 'false',
        ALERTS_PORT: '18083',
      },
      'b:1',
    );
    assert.equal(s.ingest.url, 'http://127.0.0.1:18080'); // a wildcard listener is reached on loopback
    assert.equal(s.inference.url, 'http://127.0.0.1:18081');
    assert.equal(s.trainer.url, 'http://127.0.0.1:18082');
    assert.equal(s.env['INGEST_PORT'], '18080');
    assert.equal(s.inputWidth, 3);
    assert.equal(s.env['INPUT_WIDTH'], '3');
    assert.equal(s.alertsTopic, 'my.alerts');
    assert.equal(s.apiKey, 'k1');
    assert.equal(s.env['TRAINER_LAYERS'], '16'); // the user's setting beats npm start's default
    assert.equal(s.liveView, false);
    assert.equal(s.alerts.url, 'http://127.0.0.1:18083');
    assert.equal(s.env['ALERTS_LIVE_VIEW_URL'], 'http://127.0.0.1:18080/live'); // the alerts link to this ingest's live view
  });

  it('turns port 0 ("any free port") into a concrete port it can wait on', async () => {
    const s = await startSettings({ INGEST_PORT: '0' }, 'b:1', () => Promise.resolve(40123));
    assert.equal(s.ingest.port, 40123);
    assert.equal(s.env['INGEST_PORT'], '40123');
  });

  it('reads a blank port as unset (the default), as the services do, not as "any free port"', async () => {
    const s = await startSettings({ INGEST_PORT: '', ALERTS_PORT: ' ' }, 'b:1', () => Promise.resolve(40123));
    assert.equal(s.ingest.port, 8080);
    assert.equal(s.alerts.port, 8083);
  });

  it('refuses a bad setting before starting anything, naming the variable', async () => {
    await assert.rejects(startSettings({ INFERENCE_PORT: 'eighty' }, 'b:1'), (e: unknown) => e instanceof ConfigError && e.message.includes('INFERENCE_PORT'));
  });

  it('refuses settings that are each valid but wrong together, as the trainer and alerts services would', async () => {
    await assert.rejects(startSettings({ TRAINER_K1: '64', TRAINER_K2: '32' }, 'b:1'), (e: unknown) => e instanceof ConfigError && /TRAINER_K2=32 must be >= TRAINER_K1=64/.test(e.message));
    await assert.rejects(startSettings({ ALERTS_WEBHOOK_URLS: 'http://127.0.0.1:1/hook' }, 'b:1'), (e: unknown) => e instanceof ConfigError && e.message.includes('ALERTS_WEBHOOK_SECRET'));
    await assert.rejects(startSettings({ INFERENCE_THREADS: '4', INFERENCE_STATE_MEMORY_BYTES: String(2 * 1024 * 1024) }, 'b:1'), (e: unknown) => e instanceof ConfigError && e.message.includes('less than 1 MiB for each of 4 threads'));
    await assert.rejects(startSettings({ INGEST_MAX_QUEUED_EVENTS: '500', INGEST_MAX_BATCH_EVENTS: '600' }, 'b:1'), (e: unknown) => e instanceof ConfigError && e.message.includes('INGEST_MAX_QUEUED_EVENTS=500 must be at least INGEST_MAX_BATCH_EVENTS=600'));
  });

  it('tells a port another server holds from a free one, so a foreign server never answers for a service', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const { port } = holder.address() as AddressInfo;
    assert.equal(await portFree('127.0.0.1', port), false);
    await new Promise((r) => holder.close(r));
    assert.equal(await portFree('127.0.0.1', port), true);
  });
});
