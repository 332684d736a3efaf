import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Admin } from 'kafkajs';
import { KafkaError, TopicLayoutError } from './errors';
import { ensureTopics } from './topics';

type Metadata = Awaited<ReturnType<Admin['fetchTopicMetadata']>>;

/** The slice of kafkajs's Admin that ensureTopics uses, scripted per call. */
function fakeAdmin(script: { listed: string[]; metadata: (call: number) => Metadata | Error }): { admin: Admin; created: string[]; metadataCalls: () => number } {
  const created: string[] = [];
  let calls = 0;
  const admin = {
    listTopics: () => Promise.resolve(script.listed),
    createTopics: ({ topics }: { topics: { topic: string }[] }) => {
      created.push(...topics.map((t) => t.topic));
      return Promise.resolve(true);
    },
    fetchTopicMetadata: () => {
      const answer = script.metadata(calls++);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    describeConfigs: () => Promise.resolve({ resources: [], throttleTime: 0 }),
  } as unknown as Admin;
  return { admin, created, metadataCalls: () => calls };
}

const partition = (partitionId: number, leader: number): Metadata['topics'][number]['partitions'][number] =>
  ({ partitionId, leader, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 });
const topic = (name: string, leaders: number[]): Metadata['topics'][number] => ({ name, partitions: leaders.map((l, i) => partition(i, l)) });
const unknownTopic = (): Error => Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });

describe('ensureTopics', () => {
  it('creates what is missing and reports what it found', async () => {
    const { admin, created } = fakeAdmin({ listed: ['a'], metadata: () => ({ topics: [topic('a', [1, 1]), topic('b', [1])] }) });
    const reports = await ensureTopics(admin, [
      { name: 'a', partitions: 2 },
      { name: 'b', partitions: 1 },
    ]);
    assert.deepEqual(created, ['b']);
    assert.deepEqual(
      reports.map((r) => [r.name, r.created, r.partitions]),
      [
        ['a', false, 2],
        ['b', true, 1],
      ],
    );
  });

  // Another service created the topic a moment ago: it is listed, but its metadata has not
  // reached this broker yet. Seen in CI as a service that never started.
  it('waits out a topic that another process has just created', async () => {
    const { admin, metadataCalls } = fakeAdmin({
      listed: ['events'],
      metadata: (n) => (n === 0 ? unknownTopic() : n === 1 ? { topics: [topic('events', [1, -1])] } : { topics: [topic('events', [1, 1])] }),
    });
    const reports = await ensureTopics(admin, [{ name: 'events', partitions: 2 }]);
    assert.equal(reports[0]?.partitions, 2);
    assert.equal(metadataCalls(), 3);
  });

  it('retries a creation that lost the race for some of its topics to another client', async () => {
    let creations = 0;
    const { admin } = fakeAdmin({ listed: [], metadata: () => ({ topics: [topic('a', [1]), topic('b', [1])] }) });
    admin.createTopics = () => {
      creations++;
      if (creations > 1) return Promise.resolve(false);
      const exists = Object.assign(new Error('Topic with this name already exists'), { type: 'TOPIC_ALREADY_EXISTS' });
      return Promise.reject(Object.assign(new Error('Topic creation errors'), { name: 'KafkaJSAggregateError', errors: [exists] }));
    };
    const reports = await ensureTopics(admin, [
      { name: 'a', partitions: 1 },
      { name: 'b', partitions: 1 },
    ]);
    assert.equal(creations, 2);
    assert.equal(reports.length, 2);
  });

  it('gives up after the settle timeout with the broker error', async () => {
    const { admin } = fakeAdmin({ listed: ['events'], metadata: () => unknownTopic() });
    await assert.rejects(ensureTopics(admin, [{ name: 'events', partitions: 1 }], { settleTimeoutMs: 300 }), (e: unknown) => e instanceof KafkaError && /UNKNOWN_TOPIC_OR_PARTITION/.test(e.message));
  });

  it('refuses a topic with fewer partitions than required without retrying', async () => {
    const { admin, metadataCalls } = fakeAdmin({ listed: ['events'], metadata: () => ({ topics: [topic('events', [1])] }) });
    await assert.rejects(ensureTopics(admin, [{ name: 'events', partitions: 4 }]), TopicLayoutError);
    assert.equal(metadataCalls(), 1);
  });

  // acks=all is only as strong as min.insync.replicas, and Kafka's broker default is 1.
  it('creates topics with min.insync.replicas 2 at replication factor 3, 1 on a single node, and reports it missing on existing ones', async () => {
    const { admin } = fakeAdmin({ listed: ['old'], metadata: () => ({ topics: [topic('old', [1]), topic('rf3', [1]), topic('rf1', [1])] }) });
    const created = new Map<string, Record<string, string>>();
    admin.createTopics = ({ topics }) => {
      for (const t of topics) created.set(t.topic, Object.fromEntries((t.configEntries ?? []).map((e) => [e.name, e.value])));
      return Promise.resolve(true);
    };
    admin.describeConfigs = () =>
      Promise.resolve({
        throttleTime: 0,
        resources: [{ errorCode: 0, errorMessage: '', resourceName: 'old', resourceType: 2, configEntries: [{ configName: 'min.insync.replicas', configValue: '1', readOnly: false, isDefault: true, configSource: 5, isSensitive: false, configSynonyms: [] }] }],
      });
    const reports = await ensureTopics(admin, [
      { name: 'old', partitions: 1, replicationFactor: 3 },
      { name: 'rf3', partitions: 1, replicationFactor: 3, configs: { 'cleanup.policy': 'compact' } },
      { name: 'rf1', partitions: 1 },
    ]);
    assert.deepEqual(created.get('rf3'), { 'min.insync.replicas': '2', 'cleanup.policy': 'compact' });
    assert.deepEqual(created.get('rf1'), { 'min.insync.replicas': '1' });
    assert.deepEqual(reports.find((r) => r.name === 'old')?.configDrift, [{ name: 'min.insync.replicas', wanted: '2', actual: '1' }]);
  });
});
