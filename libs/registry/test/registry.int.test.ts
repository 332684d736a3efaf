import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { KafkaConnection, kafkaConnectionSchema, silentLogger, type ConsumedMessage, type KafkaAdmin, type KafkaConnectionConfig } from '@streamcell/kafka';
import { createBundle, encodeBundle, type WeightsBundle } from '@streamcell/model';
import { readTopicToEnd, testBrokers, testConfig, uniqueName, waitFor } from '@streamcell/testing';
import { HeadMovedError, ModelRegistry, versionKey, type Publisher, type RegistryListener } from '../src';

const config: KafkaConnectionConfig = testConfig(kafkaConnectionSchema, { KAFKA_BROKERS: testBrokers().join(',') });
const spec = { cell: 'gru' as const, layers: [3], inputWidth: 2, head: { units: 2 } };
const draft = (seed: number): WeightsBundle => createBundle({ name: 'm', spec, init: { seed } });

const registries: ModelRegistry[] = [];
const admins: KafkaAdmin[] = [];
after(async () => {
  for (const r of registries) await r.stop().catch(() => undefined);
  for (const a of admins) await a.disconnect().catch(() => undefined);
});

function registry(topic: string, publisher: Publisher, keepVersions = 20, listener: RegistryListener = {}): ModelRegistry {
  // Each registry has a connection of its own, as the trainer and a CLI process would.
  const connection = new KafkaConnection(config, silentLogger, publisher.role);
  const admin = connection.admin();
  admins.push(admin);
  const r = new ModelRegistry(connection, admin, { topic, model: 'm', maxModelBytes: 1024 * 1024, readTimeoutMs: 30_000, groupPrefix: uniqueName('reg'), publisher, keepVersions }, listener);
  registries.push(r);
  return r;
}

async function createTopic(topic: string, configs: Record<string, string>): Promise<void> {
  const admin = new KafkaConnection(config, silentLogger).admin();
  try {
    await admin.ensureTopics([{ name: topic, partitions: 1, configs: { 'cleanup.policy': 'compact', ...configs } }]);
  } finally {
    await admin.disconnect();
  }
}

/** Every record physically on the topic now (read_committed), in offset order. */
const rawRecords = (topic: string): Promise<ConsumedMessage[]> => readTopicToEnd(config, topic);

async function produceRaw(topic: string, messages: { key: string; value: Buffer | null }[]): Promise<void> {
  const producer = new KafkaConnection(config, silentLogger).producer({ maxQueuedMessages: 100, ackTimeoutMs: 30_000 });
  await producer.connect();
  try {
    await producer.send([{ topic, messages }]);
  } finally {
    await producer.disconnect();
  }
}

describe('ModelRegistry against a real broker', () => {
  it('numbers versions uniquely while a trainer and a CLI publish at the same time', async () => {
    const topic = uniqueName('reg-race');
    await createTopic(topic, {});
    const trainer = registry(topic, { role: 'trainer', host: 'trainer-host' });
    const cli = registry(topic, { role: 'cli', host: 'cli-host' });
    await Promise.all([trainer.start(), cli.start()]);
    const first = await trainer.publish(draft(1), { parentVersion: null, ifHead: null });
    assert.equal(first.version, 1);

    const published: { by: string; version: number }[] = [];
    let discarded = 0;
    // The trainer publishes candidates conditionally on the head it trained from; the CLI
    // publishes rollbacks/imports unconditionally, at the same moments.
    const trainerLoop = async (): Promise<void> => {
      for (let i = 0; i < 8; i++) {
        const base = trainer.head!.version;
        try {
          const b = await trainer.publish(draft(100 + i), { parentVersion: base, ifHead: base });
          published.push({ by: 'trainer', version: b.version });
        } catch (e) {
          if (!(e instanceof HeadMovedError)) throw e;
          discarded += 1;
          await trainer.catchUp();
        }
      }
    };
    const cliLoop = async (): Promise<void> => {
      for (let i = 0; i < 8; i++) {
        const b = await cli.publish(draft(200 + i), { parentVersion: null });
        published.push({ by: 'cli', version: b.version });
      }
    };
    await Promise.all([trainerLoop(), cliLoop()]);

    const versions = published.map((p) => p.version).sort((a, b) => a - b);
    assert.equal(new Set(versions).size, versions.length, `no version published twice: ${JSON.stringify(published)}`);
    assert.equal(published.filter((p) => p.by === 'cli').length, 8);
    assert.equal(published.filter((p) => p.by === 'trainer').length + discarded, 8);

    // On the log: exactly one record per version key, and a fresh follower sees them all, with
    // who published each.
    const records = (await rawRecords(topic)).filter((m) => m.value !== null);
    const keys = records.map((m) => m.key!.toString());
    assert.equal(new Set(keys).size, keys.length, `one record per version: ${keys.join(' ')}`);
    const follower = registry(topic, { role: 'test', host: 'x' });
    await follower.start();
    assert.deepEqual(
      follower.versions().map((e) => e.version),
      [1, ...versions],
    );
    for (const p of published) assert.equal(follower.entry(p.version)?.publisher?.role, p.by);
    assert.equal(follower.head?.version, Math.max(...versions));
  });

  it('keeps every retained version through real compaction: rollback, garbage last record, restarted follower, legacy records', async () => {
    const topic = uniqueName('reg-compact');
    // Compaction as fast as the broker allows (log.cleaner.backoff.ms=2000 in scripts/kafka).
    await createTopic(topic, { 'segment.ms': '100', 'min.cleanable.dirty.ratio': '0.001', 'min.compaction.lag.ms': '0', 'delete.retention.ms': '0' });

    // A deployment from before the registry: three versions keyed by the model name.
    const legacy = [1, 2, 3].map((v) => createBundle({ name: 'm', spec, init: { seed: v }, version: v }));
    await produceRaw(
      topic,
      legacy.map((b) => ({ key: 'm', value: Buffer.from(encodeBundle(b)) })),
    );

    const trainer = registry(topic, { role: 'trainer', host: 'h' }, 3);
    await trainer.start();
    assert.equal(trainer.head?.version, 3, 'legacy records are read');
    // v4 (keep 3 → v2, v3 migrate to their own keys, v1 is dropped, the legacy key is retired),
    // then v5, v6 with v2 protected (say, a checkpoint refers to it).
    for (const seed of [4, 5, 6]) {
      const head = trainer.head.version;
      await trainer.publish(draft(seed), { parentVersion: head, ifHead: head, protect: [2] });
    }
    assert.deepEqual(
      trainer.versions().map((e) => [e.version, e.source]),
      [
        [2, 'version-key'],
        [4, 'version-key'],
        [5, 'version-key'],
        [6, 'version-key'],
      ],
    );
    // A broken writer publishes a truncated bundle last.
    const truncated = Buffer.from(encodeBundle(createBundle({ name: 'm', spec, version: 7 }))).subarray(0, 64);
    await produceRaw(topic, [{ key: versionKey('m', 7), value: truncated }]);

    // Let the cleaner run: keep rolling segments (segment.ms) with records of another key until
    // the legacy records and the retired version v3 are physically gone.
    let evidence = '';
    let fillers = 0;
    await waitFor(
      'compaction of the test topic',
      async () => {
        await produceRaw(topic, [{ key: 'other/v1', value: Buffer.from('filler') }]);
        fillers += 1;
        const raw = await rawRecords(topic);
        const keys = raw.map((m) => `${m.key?.toString()}@${m.offset}${m.value === null ? '(tombstone)' : ''}`);
        evidence = keys.join(' ');
        const legacyGone = !raw.some((m) => m.key?.toString() === 'm');
        const retiredGone = !raw.some((m) => m.key?.toString() === versionKey('m', 3));
        // Some filler removed means a pass cleaned past the garbage v7, which precedes them all.
        // Not "at most two left": the newest inactive filler is only cleaned if the cleaner's
        // cycle (2 s backoff) falls between this produce and this read, and the two periods can
        // stay out of phase for minutes (a CI run timed out that way).
        const fillerCompacted = raw.filter((m) => m.key?.toString() === 'other/v1').length < fillers;
        return legacyGone && retiredGone && fillerCompacted;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}; records on the topic: ${evidence}`);
    });
    const raw = await rawRecords(topic);
    assert.ok(BigInt(raw[0].offset) > 0n, `the oldest records were removed by the cleaner: ${evidence}`);

    // A restarted worker finds the valid head, not the garbage record written last.
    const invalid: string[] = [];
    const heads: number[] = [];
    const follower = registry(topic, { role: 'inference', host: 'h2' }, 20, {
      onHead: (b) => {
        heads.push(b.version);
      },
      onInvalid: (p) => invalid.push(`v${p.version}: ${p.error}`),
    });
    await follower.start();
    assert.equal(follower.head?.version, 6);
    assert.equal(heads.at(-1), 6);
    assert.ok(!heads.includes(7), 'the garbage record is never the head');
    assert.equal(invalid.length, 1, invalid.join('; '));
    assert.match(invalid[0], /^v7: /);
    assert.deepEqual(
      follower.versions().map((e) => [e.version, e.error === null]),
      [
        [2, true],
        [4, true],
        [5, true],
        [6, true],
        [7, false],
      ],
    );

    // Rollback to v2, which survived compaction: the CLI's path (publish the old weights again).
    const cli = registry(topic, { role: 'cli', host: 'h3' });
    await cli.start();
    const old = cli.bundle(2);
    assert.deepEqual([...old.tensors.values()].map((t) => Array.from(t)), [...legacy[1].tensors.values()].map((t) => Array.from(t)));
    const rolledBack = await cli.publish(old, { parentVersion: 2 });
    assert.equal(rolledBack.version, 8, 'numbered above the garbage v7');
    await follower.catchUp();
    await waitFor('the follower to take the rollback', () => follower.head?.version === 8);
    assert.equal(follower.head?.parentVersion, 2);
  });
});
