import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from '@streamcell/config';
import { isHostPort, kafkaConnectionSchema } from './connection-config';

it('takes brokers as host:port only: a missing port was retried for ever as "not reachable yet"', () => {
  for (const ok of ['127.0.0.1:9092', 'kafka:9092', '[::1]:9092', 'b-1.cluster.example.com:9098']) assert.ok(isHostPort(ok), ok);
  for (const bad of ['127.0.0.1', 'host:0', 'host:65536', ':9092', '[::1]', 'a b:1', 'PLAINTEXT://h:9092']) assert.equal(isHostPort(bad), false, bad);
  assert.throws(() => loadConfig(kafkaConnectionSchema, { KAFKA_BROKERS: 'kafka:9092,127.0.0.1' }), /KAFKA_BROKERS=.*"127\.0\.0\.1" is not host:port/);
});
