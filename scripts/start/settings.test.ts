import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@streamcell/config';
import { startSettings, startDefaults } from './settings';

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
  });

  it('turns port 0 ("any free port") into a concrete port it can wait on', async () => {
    const s = await startSettings({ INGEST_PORT: '0' }, 'b:1', () => Promise.resolve(40123));
    assert.equal(s.ingest.port, 40123);
    assert.equal(s.env['INGEST_PORT'], '40123');
  });

  it('refuses a bad setting before starting anything, naming the variable', async () => {
    await assert.rejects(startSettings({ INFERENCE_PORT: 'eighty' }, 'b:1'), (e: unknown) => e instanceof ConfigError && e.message.includes('INFERENCE_PORT'));
  });
});
