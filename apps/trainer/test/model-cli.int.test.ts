import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaConnection, silentLogger } from '@streamcell/kafka';
import { createBundle, decodeBundle, encodeBundle, loadKerasModel } from '@streamcell/model';
import { tempDir, testBrokers, TopicReader, uniqueName, waitFor } from '@streamcell/testing';
import { createTrainerApp, trainerServiceOf } from '../src/app.factory';
import { runModelCli } from '../src/cli/model-cli';
import { bundlesOf, createEventsTopic, newId, produceSine, trainerTestConfig } from './support';

const fixture = (cell: string): string => join(__dirname, '../../../libs/model/fixtures/keras', cell, 'model.json');

interface Run {
  code: number;
  out: string;
  err: string;
}

describe('streamcell model CLI against a real broker', () => {
  const topic = uniqueName('cli.weights');
  const env = { KAFKA_BROKERS: testBrokers().join(','), TOPIC_MODEL_WEIGHTS: topic, MODEL_NAME: 'kmodel' };
  const cli = async (...argv: string[]): Promise<Run> => {
    let out = '';
    let err = '';
    const code = await runModelCli(argv, env, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  };
  let reader: TopicReader;
  const dir = tempDir('streamcell-cli-');

  before(async () => {
    assert.equal((await cli('model', 'list')).code, 0); // creates the topic
    reader = await new TopicReader({ ...env, ...trainerTestConfig('unused') }, topic).start();
  });

  after(async () => {
    await reader.stop();
  });

  it('imports a Keras fixture as a decodable bundle with the right spec and weights', async () => {
    const r = await cli('model', 'import', fixture('lstm'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /imported .* as kmodel v1 \(lstm 16x16, input 1, head 1 next-values\)/);
    await reader.waitForCount(1);
    const v1 = decodeBundle(reader.messages[0].value!);
    const direct = await loadKerasModel(fixture('lstm'));
    assert.equal(reader.messages[0].key?.toString(), 'kmodel/v1', 'a key per version: compaction keeps every version');
    assert.equal(reader.messages[0].headers['x-streamcell-publisher'], 'cli');
    assert.equal(v1.version, 1);
    assert.equal(v1.parentVersion, null);
    assert.deepEqual(v1.spec, direct.spec);
    for (const [k, t] of direct.tensors) assert.deepEqual(v1.tensors.get(k), t, k);
  });

  it('lists versions, rolls back to an older one as a new head, exports and inspects', async () => {
    assert.equal((await cli('model', 'import', fixture('gru'))).code, 0);
    const rb = await cli('model', 'rollback', '1');
    assert.equal(rb.code, 0, rb.err);
    assert.match(rb.out, /rolled kmodel back to v1: published as v3 \(parent 1\), replacing v2/);
    await reader.waitForCount(3);
    const [v1, v2, v3] = bundlesOf(reader, 'kmodel');
    assert.equal(v2.spec.cell, 'gru');
    assert.equal(v3.version, 3);
    assert.equal(v3.parentVersion, 1);
    assert.equal(v3.metrics.rollbackOf, 1);
    assert.deepEqual(v3.spec, v1.spec);
    for (const [k, t] of v1.tensors) assert.deepEqual(v3.tensors.get(k), t, k);

    const list = await cli('model', 'list', '--json');
    assert.equal(list.code, 0, list.err);
    const rows = JSON.parse(list.out) as { version: number; parentVersion: number | null; head: boolean; lineage: number[]; publishedBy: string; rollbackOf?: number }[];
    assert.deepEqual(rows.map((x) => [x.version, x.parentVersion, x.head, x.lineage]), [[1, null, false, []], [2, null, false, []], [3, 1, true, [1]]]);
    assert.ok(rows.every((x) => /^cli@./.test(x.publishedBy)), JSON.stringify(rows));
    assert.equal(rows[2].rollbackOf, 1);
    const table = await cli('model', 'list');
    assert.match(table.out, /^version +lineage +created +published by +model +vs last-value +p90 +worse +vs seasonal +serving was +bytes +status$/m);
    assert.match(table.out, /^3 \* +←1 \(rollback of 1\) +\S+ +cli@\S+ +lstm 16x16 in 1 out 1 .* head$/m);

    const file = join(dir, 'v2.bundle');
    assert.equal((await cli('model', 'export', '2', file)).code, 0);
    const inspected = await cli('model', 'inspect', file, '--json');
    const info = JSON.parse(inspected.out) as { valid: boolean; manifest: { version: number; spec: { cell: string } } };
    assert.equal(info.valid, true);
    assert.equal(info.manifest.version, 2);
    assert.equal(info.manifest.spec.cell, 'gru');
    const latest = JSON.parse((await cli('model', 'inspect', 'latest', '--json')).out) as { manifest: { version: number } };
    assert.equal(latest.manifest.version, 3);

    // A pin makes an older version the head until unpinned.
    const pinned = await cli('model', 'pin', '2');
    assert.equal(pinned.code, 0, pinned.err);
    const head = async (): Promise<number> => (JSON.parse((await cli('model', 'inspect', 'latest', '--json')).out) as { manifest: { version: number } }).manifest.version;
    assert.equal(await head(), 2);
    assert.match((await cli('model', 'list')).out, /^2 \* \(pin\) .* head \(pinned\)$/m);
    assert.equal((await cli('model', 'unpin')).code, 0);
    assert.equal(await head(), 3);
    assert.match((await cli('model', 'unpin')).err, /kmodel is not pinned/);
  });

  it('fails clearly on unknown versions, unreadable files, corrupt bundles and incompatible specs', async () => {
    const unknown = await cli('model', 'rollback', '42');
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /version 42 of model kmodel is not on model.weights \(available: 1, 2, 3/);
    assert.match((await cli('model', 'export', '9', join(dir, 'x'))).err, /version 9 of model kmodel is not on model.weights/);
    const missing = await cli('model', 'import', join(dir, 'nope', 'model.json'));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cannot read .*nope\/model\.json: ENOENT/);
    const garbage = join(dir, 'garbage.bundle');
    writeFileSync(garbage, 'not a bundle');
    assert.match((await cli('model', 'inspect', garbage)).err, /is not a readable weights bundle/);
    const badJson = join(dir, 'model.json');
    writeFileSync(badJson, '{');
    // Names the file and says it is not JSON (the wording is import-command.ts's).
    assert.match((await cli('model', 'import', badJson)).err, /cannot (read|import) .*model\.json: .*not (valid )?JSON/);

    // A head of input width 3 exists; the fixture (width 1) is refused unless forced.
    const producer = new KafkaConnection({ ...trainerTestConfig('unused') }, silentLogger).producer({ maxQueuedMessages: 4, ackTimeoutMs: 10_000 });
    await producer.connect();
    const wide = createBundle({ name: 'wide', spec: { cell: 'gru', layers: [4], inputWidth: 3, head: { units: 3 } }, version: 1 });
    await producer.send([{ topic, messages: [{ key: 'wide', value: encodeBundle(wide) }] }]);
    await producer.disconnect();
    const incompatible = await cli('model', 'import', fixture('simple_rnn'), '--model', 'wide');
    assert.equal(incompatible.code, 1);
    assert.match(incompatible.err, /incompatible with wide v1 \(input width 1 vs 3, head units 1 vs 3\).*--force/);
    const forced = await cli('model', 'import', fixture('simple_rnn'), '--model', 'wide', '--force');
    assert.equal(forced.code, 0, forced.err);
    assert.match(forced.out, /as wide v2/);
    // The legacy record (keyed by the model name, as before the registry) was read, copied to its
    // own key and its legacy key retired, in the transaction that published v2.
    const wideRows = JSON.parse((await cli('model', 'list', '--json', '--model', 'wide')).out) as { version: number; source: string; publishedBy: string | null }[];
    assert.deepEqual(wideRows.map((x) => [x.version, x.source]), [[1, 'version-key'], [2, 'version-key']]);

    assert.equal((await cli('model', 'frobnicate')).code, 2);
    assert.equal((await cli('model', 'list', '--bogus')).code, 2);
  });
});

describe('trainer with an imported model', () => {
  it('waits for an import, then fine-tunes it, publishing only what beats last-value, as a child of the import', async () => {
    const config = trainerTestConfig(newId('trainer-import'), {
      TRAINER_BOOTSTRAP: 'wait',
      INPUT_WIDTH: '1',
      TRAINER_TRAIN_EVERY_EVENTS: '200',
      TRAINER_ITERATIONS: '6',
    });
    await createEventsTopic(config);
    const app = await createTrainerApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.getUrl();
    let weights: TopicReader | undefined;
    try {
      const service = trainerServiceOf(app);
      await waitFor('waiting for an import', () => service.phase === 'waiting-for-model');
      weights = await new TopicReader(config, config.modelWeights).start();
      const env = { KAFKA_BROKERS: config.brokers.join(','), TOPIC_MODEL_WEIGHTS: config.modelWeights, MODEL_NAME: config.modelName };
      let err = '';
      const code = await runModelCli(['model', 'import', fixture('gru')], env, { out: () => undefined, err: (t) => (err += t) });
      assert.equal(code, 0, err);
      await waitFor('ready on the imported model', async () => (await fetch(`${url}/health/ready`)).status === 200);
      assert.equal(service.trainer.head?.version, 1);
      await produceSine(config, 8, 60);
      // A round trains the imported weights and judges the candidate against the import and
      // last-value on held-out events. The import (a raw GRU trained elsewhere) may not beat
      // last-value here; a candidate that does not is never published.
      const round = await waitFor('a round on the imported model', () => service.reports.find((r) => r.quality !== undefined), { timeoutMs: 90_000 });
      assert.ok(round.iterations > 0 && round.updates > 0, JSON.stringify(round));
      assert.ok(round.outcome === 'published' || /last-value|serving version/.test(round.reason), round.reason);
      for (const b of bundlesOf(weights, config.modelName).filter((v) => v.version > 1)) {
        assert.equal(b.parentVersion, b.version - 1, 'each version is a child of the previous head, the first of the import');
        assert.equal(b.spec.cell, 'gru');
        assert.equal(b.spec.normalization, null, 'a model imported without normalisation stays raw');
        assert.ok(b.metrics.ratioToLastValue < 1, `published v${b.version} beats last-value: ${JSON.stringify(b.metrics)}`);
      }
    } finally {
      await app.close();
      await weights?.stop();
    }
  });
});

describe('a trainer and the CLI publishing at the same moments', () => {
  it('never claim the same version, and the trainer goes on training from the rollbacks', async () => {
    const config = trainerTestConfig(newId('trainer-race'), { TRAINER_TRAIN_EVERY_EVENTS: '40', TRAINER_TRAIN_EVERY_SECONDS: '0.5', TRAINER_ITERATIONS: '4' });
    await createEventsTopic(config);
    const app = await createTrainerApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const service = trainerServiceOf(app);
    const env = { KAFKA_BROKERS: config.brokers.join(','), TOPIC_MODEL_WEIGHTS: config.modelWeights, MODEL_NAME: config.modelName };
    let weights: TopicReader | undefined;
    let producing = true;
    let feed: Promise<void> = Promise.resolve();
    try {
      // The trainer creates model.weights and bootstraps v1 before it trains.
      await waitFor('the trainer training', () => service.phase === 'training', { timeoutMs: 60_000 });
      const reader = await new TopicReader(config, config.modelWeights).start();
      weights = reader;
      await waitFor('v1', () => bundlesOf(reader, 'sine').length >= 1, { timeoutMs: 60_000 });
      feed = (async () => {
        for (let t = 0; producing; t += 40) await produceSine(config, 8, 40, t);
      })();
      await waitFor('a version the trainer published', () => bundlesOf(reader, 'sine').some((b) => b.version >= 2), { timeoutMs: 90_000 });
      const rolledBack: number[] = [];
      for (let i = 0; i < 4; i++) {
        let out = '';
        let err = '';
        // The version before the newest: still retained (the registry keeps the newest 20, and the
        // trainer may publish more than that while these run; v1 itself may be retired by then).
        const target = Math.max(1, Math.max(...bundlesOf(reader, 'sine').map((b) => b.version)) - 1);
        const code = await runModelCli(['model', 'rollback', String(target)], env, { out: (t) => (out += t), err: (t) => (err += t) });
        assert.equal(code, 0, err);
        rolledBack.push(Number(/published as v(\d+)/.exec(out)![1]));
      }
      const last = Math.max(...rolledBack);
      await waitFor('a trainer publication after the rollbacks', () => bundlesOf(reader, 'sine').some((b) => b.version > last && b.parentVersion !== null && b.parentVersion >= Math.min(...rolledBack)), {
        timeoutMs: 120_000,
      });
      producing = false;
      await feed;

      const records = reader.messages.filter((m) => m.value !== null && m.key?.toString().startsWith('sine/v'));
      const keys = records.map((m) => m.key!.toString());
      assert.deepEqual(keys, [...new Set(keys)], 'one record per version');
      const versions = bundlesOf(reader, 'sine').map((b) => b.version).sort((a, b) => a - b);
      assert.deepEqual(versions, versions.map((_, i) => i + 1), 'numbered without duplicates or gaps');
      const by = new Map(records.map((m) => [Number(m.key!.toString().slice('sine/v'.length)), m.headers['x-streamcell-publisher']]));
      for (const v of rolledBack) assert.equal(by.get(v), 'cli');
      assert.ok(versions.some((v) => by.get(v) === 'trainer' && v > last), `the trainer published after the CLI: ${JSON.stringify([...by])}`);
      assert.equal(service.failedWith, undefined, 'the CLI does not stop the trainer (it fences publishing only for its own write)');
    } finally {
      // Also after a failed assertion: a feed left running would keep the test process alive.
      producing = false;
      await feed;
      await app.close();
      await weights?.stop();
    }
  });
});
