import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '@streamcell/config';
import { topicConfigs } from '@streamcell/kafka';
import { createTopicsSchema, topicPlan } from '../../scripts/kafka/create-topics';
import { root } from './support';

describe('scripts/kafka/create-topics.ts', () => {
  it('plans every topic of the system, inference.state co-partitioned with events', () => {
    const plan = topicPlan(loadConfig(createTopicsSchema, { EVENTS_PARTITIONS: '6', TOPIC_REPLICATION_FACTOR: '3', MODEL_MAX_BYTES: '1048576' }));
    assert.deepEqual(plan.map((t) => t.name).sort(), ['alerts', 'alerts.dlq', 'events', 'events.dlq', 'events.raw', 'inference.state', 'model.weights', 'predictions', 'trainer.checkpoints']);
    const byName = new Map(plan.map((t) => [t.name, t]));
    assert.equal(byName.get('events')?.partitions, 6);
    assert.equal(byName.get('inference.state')?.partitions, 6);
    assert.equal(byName.get('inference.state')?.configs['cleanup.policy'], 'compact');
    assert.equal(byName.get('model.weights')?.configs['max.message.bytes'], '1048576');
    // A checkpoint holds the bundle and Adam's two moments: its topic takes 4× a bundle.
    assert.equal(byName.get('trainer.checkpoints')?.configs['max.message.bytes'], '4194304');
    assert.ok(plan.every((t) => t.replicationFactor === 3));
  });

  // ensureTopics creates (and checks) each topic with these configs; acks=all means as many
  // in-sync copies as min.insync.replicas, whose broker default is 1.
  it('asks for min.insync.replicas 2 with replication factor 3, 1 on the single-node broker', () => {
    const minIsr = (env: Record<string, string>): string[] => topicPlan(loadConfig(createTopicsSchema, env)).map((t) => topicConfigs(t)['min.insync.replicas'] ?? 'unset');
    assert.deepEqual(new Set(minIsr({ TOPIC_REPLICATION_FACTOR: '3' })), new Set(['2']));
    // npm start, kafka.sh and compose: TOPIC_REPLICATION_FACTOR unset or 1.
    assert.deepEqual(new Set(minIsr({})), new Set(['1']));
    assert.deepEqual(new Set(minIsr({ TOPIC_REPLICATION_FACTOR: '2' })), new Set(['1']));
  });
});

describe('the container image entry points', () => {
  it('start.cjs runs files the image build compiles (tsconfig.image.json) and link-libs covers every alias', () => {
    const start = readFileSync(join(root, 'deploy', 'docker', 'start.cjs'), 'utf8');
    const entries = [...start.matchAll(/'(dist\/[^']+)\.js'/g)].map((m) => m[1] ?? '');
    assert.equal(entries.length, 6);
    for (const e of entries) assert.ok(existsSync(join(root, `${e.replace(/^dist\//, '')}.ts`)), `${e}: source exists`);
    const image = JSON.parse(readFileSync(join(root, 'deploy', 'docker', 'tsconfig.image.json'), 'utf8')) as { include: string[] };
    assert.ok(image.include.includes('../../scripts/kafka/create-topics.ts'));
    const dockerfile = readFileSync(join(root, 'deploy', 'docker', 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /tsconfig\.image\.json/);
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    assert.ok(users.length >= 2 && users.every((u) => u !== undefined && /^[1-9]\d*:\d+$/.test(u)), `numeric non-root USER in every runtime stage: ${users.join(', ')}`);
  });
});
