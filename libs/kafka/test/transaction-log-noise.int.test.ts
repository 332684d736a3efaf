import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@streamcell/config';
import { testBrokers, uniqueName } from '@streamcell/testing';
import { KafkaConnection, kafkaConnectionSchema, silentLogger, type KafkaConnectionConfig, type KafkaLogger } from '../src';

/** Every log entry the adapters and kafkajs write, by level. */
function recordingLogger(): KafkaLogger & { readonly entries: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const entries: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void entries.push({ level, message, ...(fields ? { fields } : {}) });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * Inference commits one transaction per partition back to back (pipelined commits). The broker
 * answers EndTxn before it has written the transaction markers, so the next transaction's
 * AddPartitionsToTxn is often told CONCURRENT_TRANSACTIONS for a few ms and kafkajs retries it.
 * That is the protocol working as designed (the Java client retries it silently), not an
 * overlap of our own: a healthy run must log no warning for it (seen: ~2,400 in 12 minutes).
 */
describe('back-to-back transactions', () => {
  let config: KafkaConnectionConfig;
  const topic = `${uniqueName('txn-noise')}.out`;
  const groupId = uniqueName('txn-noise-group');

  before(async () => {
    config = loadConfig(kafkaConnectionSchema, { KAFKA_BROKERS: testBrokers().join(',') });
    const admin = new KafkaConnection(config, silentLogger).admin();
    await admin.ensureTopics([{ name: topic, partitions: 3 }]);
    await admin.disconnect();
  });

  it('log no warnings while the broker completes the previous commit', async () => {
    const logger = recordingLogger();
    const producer = new KafkaConnection(config, logger).transactionalProducer({ transactionalId: uniqueName('txn-noise-id') });
    await producer.connect();
    try {
      for (let i = 0; i < 150; i++) {
        const messages = [0, 1, 2].map((p) => ({ key: `k${p}`, value: `v${i}`, partition: p }));
        await producer.commit([{ topic, messages }], [{ groupId, topic, partition: 0, offset: String(i + 1) }]);
      }
    } finally {
      await producer.disconnect();
    }
    const concurrent = logger.entries.filter((e) => JSON.stringify(e).includes('CONCURRENT_TRANSACTIONS') || e.message.includes('another concurrent operation'));
    const loud = logger.entries.filter((e) => e.level === 'warn' || e.level === 'error');
    // Reported, not asserted: how often the broker is still completing the last commit varies.
    console.log(`# CONCURRENT_TRANSACTIONS retries (debug): ${concurrent.length}; warnings or errors: ${loud.length}`);
    assert.deepEqual(loud.slice(0, 5), [], `${loud.length} warnings or errors`);
  });
});
