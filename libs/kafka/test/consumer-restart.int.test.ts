import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@streamcell/config';
import { DedicatedBroker, uniqueName, waitFor } from '@streamcell/testing';
import { KafkaConnection, kafkaConnectionSchema, silentLogger, type KafkaConnectionConfig } from '../src';

/**
 * The broker restarts under a running consumer. kafkajs crashes the consumer (restart=true) while
 * the broker is away and restarts it until it rejoins; the adapter's health must follow it back to
 * `consuming` instead of keeping the first crash for good (which kept every service's readiness at
 * 503 after a broker restart).
 */
describe('a consumer across a broker restart', () => {
  const broker = new DedicatedBroker(Number(process.env.STREAMCELL_RESTART_BROKER_PORT ?? 29198));
  let config: KafkaConnectionConfig;
  const topic = `${uniqueName('restart')}.events`;

  before(async () => {
    await broker.start();
    config = loadConfig(kafkaConnectionSchema, { KAFKA_BROKERS: broker.address, KAFKA_REQUEST_TIMEOUT_MS: '2000', KAFKA_CONNECTION_TIMEOUT_MS: '500' });
    const admin = new KafkaConnection(config, silentLogger).admin();
    await admin.ensureTopics([{ name: topic, partitions: 1 }]);
    await admin.disconnect();
  });

  after(async () => {
    await broker.stop();
  });

  it('reports restarting while the broker is away and consuming again once it is back', async () => {
    const connection = new KafkaConnection(config, silentLogger);
    const consumer = connection.consumer({ groupId: uniqueName('restart-group'), topics: [topic], sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 });
    const producer = connection.producer({ maxQueuedMessages: 100, ackTimeoutMs: 10_000 });
    const seen: string[] = [];
    await consumer.start((messages) => {
      for (const m of messages) seen.push(m.value!.toString());
      return Promise.resolve();
    });
    try {
      await producer.connect();
      await producer.send([{ topic, messages: [{ key: 'k', value: 'before' }] }]);
      await waitFor('the first record', () => seen.includes('before'));
      assert.equal(consumer.healthState.state, 'consuming');

      await broker.stop();
      await waitFor('the consumer notices', () => consumer.healthState.state === 'restarting', { timeoutMs: 60_000 });
      assert.equal(consumer.crashError, undefined, 'a crash kafkajs restarts from is not a failure');

      await broker.start();
      await waitFor('consuming again', () => consumer.healthState.state === 'consuming', { timeoutMs: 90_000, intervalMs: 200 });
      await waitFor('a record written after the restart', async () => {
        await producer.send([{ topic, messages: [{ key: 'k', value: 'after' }] }]).catch(() => undefined);
        return seen.includes('after');
      }, { timeoutMs: 60_000, intervalMs: 500 });
      assert.equal(consumer.healthState.state, 'consuming');
    } finally {
      await consumer.stop();
      await producer.disconnect();
    }
  });
});
