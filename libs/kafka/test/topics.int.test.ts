import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testBrokers, testConfig, uniqueName } from '@streamcell/testing';
import { KafkaConnection, kafkaConnectionSchema, silentLogger, type TopicSpec } from '../src';

// At boot every service runs ensureTopics on overlapping topic sets at the same moment. One of
// them creates a topic; the others must not fail on a topic that is listed but not yet settled
// (CI once saw inference give up with UNKNOWN_TOPIC_OR_PARTITION this way and never become ready).
describe('ensureTopics against a real broker', () => {
  it('lets many clients create the same fresh topics at once; every one gets a usable layout', async () => {
    const id = uniqueName('topics');
    const specs: TopicSpec[] = [
      { name: `${id}.events`, partitions: 8 },
      { name: `${id}.state`, partitions: 8, configs: { 'cleanup.policy': 'compact' } },
      { name: `${id}.weights`, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
    ];
    const config = testConfig(kafkaConnectionSchema, { KAFKA_BROKERS: testBrokers().join(',') });
    const admins = Array.from({ length: 8 }, () => new KafkaConnection(config, silentLogger).admin());
    try {
      // Each client sees a different slice first, as the three services do.
      const results = await Promise.all(admins.map((admin, i) => admin.ensureTopics(i % 2 === 0 ? specs : [...specs].reverse())));
      for (const reports of results) {
        const byName = new Map(reports.map((r) => [r.name, r]));
        for (const s of specs) {
          assert.equal(byName.get(s.name)?.partitions, s.partitions);
          assert.deepEqual(byName.get(s.name)?.configDrift, []);
        }
      }
      const creators = specs.map((s) => results.filter((reports) => reports.some((r) => r.name === s.name && r.created)).length);
      assert.ok(
        creators.every((n) => n >= 1),
        `every topic reported created by someone: ${creators.join(',')}`,
      );
    } finally {
      await Promise.all(admins.map((a) => a.disconnect().catch(() => undefined)));
    }
  });
});
