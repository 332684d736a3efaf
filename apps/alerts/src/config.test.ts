import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@streamcell/config';
import { AlertDeserializer } from './alert-deserializer';
import { loadAlertsConfig } from './config';
import { kafkaTransportOptions } from './kafka-transport';
import { targetsFromConfig } from './targets/from-config';

describe('alerts configuration', () => {
  it('lists every cross-setting problem at once, naming the variables', () => {
    assert.throws(
      () => loadAlertsConfig({ ALERTS_WEBHOOK_URLS: 'ftp://x,http://ok', ALERTS_ALERTMANAGER_URLS: 'not a url', ALERTS_BACKOFF_INITIAL_MS: '5000', ALERTS_BACKOFF_MAX_MS: '100' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.problems.length, 4, e.message);
        assert.match(e.message, /ALERTS_ALERTMANAGER_URLS: "not a url"/);
        assert.match(e.message, /ALERTS_WEBHOOK_URLS: "ftp:\/\/x"/);
        assert.match(e.message, /ALERTS_WEBHOOK_SECRET/);
        assert.match(e.message, /ALERTS_BACKOFF_MAX_MS/);
        return true;
      },
    );
  });

  it('needs at least one target', () => {
    assert.throws(() => loadAlertsConfig({}), /no delivery target/);
  });

  it('names targets by kind and position', () => {
    const c = loadAlertsConfig({ ALERTS_ALERTMANAGER_URLS: 'http://a:9093,http://b:9093', ALERTS_WEBHOOK_URLS: 'https://hook', ALERTS_WEBHOOK_SECRET: 's' });
    assert.deepEqual(targetsFromConfig(c).map((t) => t.name), ['alertmanager-1', 'alertmanager-2', 'webhook-1']);
  });
});

describe('kafkaTransportOptions', () => {
  it('reads committed records only, commits itself (no auto-commit), keeps bytes and the group id as configured', () => {
    const c = loadAlertsConfig({ ALERTS_ALERTMANAGER_URLS: 'http://a:9093', ALERTS_GROUP_ID: 'g' });
    const o = kafkaTransportOptions(c, { debug() {}, info() {}, warn() {}, error() {} }, new AlertDeserializer()).options;
    assert.equal(o?.consumer?.readUncommitted, false);
    assert.equal(o?.consumer?.groupId, 'g');
    assert.equal(o?.postfixId, '');
    assert.equal(o?.run?.autoCommit, false);
    assert.equal(o?.parser?.keepBinary, true);
  });
});

describe('AlertDeserializer', () => {
  it('turns any record into an event for its topic, decoded or with the reason', () => {
    const d = new AlertDeserializer();
    const bad = d.deserialize({ topic: 't', partition: 1, offset: '9', key: 'k', value: Buffer.from('nope') }, { channel: 't' });
    assert.equal(bad.pattern, 't');
    const data = bad.data as { key: Buffer; decoded: { ok: boolean; reason?: string } };
    assert.equal(data.key.toString(), 'k');
    assert.equal(data.decoded.ok, false);
    assert.equal(data.decoded.reason, 'malformed_json');
  });
});
