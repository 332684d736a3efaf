import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventTopics, inferenceTopics, modelWeightsTopic } from '@streamcell/events';
import { KafkaConnection, silentLogger } from '@streamcell/kafka';
import { testBrokers, testConfig, TopicReader, topicEnv, uniqueName, waitFor } from '@streamcell/testing';
import { createInferenceApp } from '../apps/inference/src/app.factory';
import { inferenceSchema } from '../apps/inference/src/config';
import { runModelCli } from '../apps/trainer/src/cli/model-cli';

const fixture = join(__dirname, '..', 'libs', 'model', 'fixtures', 'keras', 'simple_rnn');

/** As scripts/model/make_import_fixtures.py writes it: flat row-major arrays with their shapes. */
interface Io {
  inputShape: [number, number, number];
  inputs: number[];
  outputs: number[];
}

/**
 * Bring-your-own-model, end to end: the canonical Keras model (SimpleRNN(32) ×2, Dense(1)),
 * imported with `streamcell model import`, is served by inference, whose per-event streaming
 * predictions after each sequence equal Keras's own `model.predict` outputs; `rollback` then
 * publishes a new head that inference swaps in.
 */
describe('streamcell model import → inference', () => {
  it('serves the imported Keras model with Keras\'s outputs, and a rollback', async () => {
    const id = uniqueName('import');
    const env = {
      KAFKA_BROKERS: testBrokers().join(','),
      ...topicEnv(id),
      EVENTS_PARTITIONS: '2',
      MODEL_NAME: 'keras',
      LOG_LEVEL: 'warn',
    };
    const config = testConfig(inferenceSchema, { ...env, INFERENCE_HOST: '127.0.0.1', INFERENCE_PORT: '0', INFERENCE_GROUP_ID: `${id}-inference` });
    // Topics with elected leaders before anything writes (a write racing the election of a
    // just-created topic's leader is refused with NOT_LEADER).
    const admin = new KafkaConnection(config, silentLogger).admin();
    await admin.ensureTopics([...eventTopics(config), ...inferenceTopics(config), modelWeightsTopic(config)]);
    await admin.disconnect();
    const app = await createInferenceApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.getUrl();
    const out: string[] = [];
    const cli = (...argv: string[]) => runModelCli(['model', ...argv], env, { out: (t) => void out.push(t), err: (t) => void out.push(t) });
    const producer = new KafkaConnection(config, silentLogger).producer({ maxQueuedMessages: 10_000, ackTimeoutMs: 30_000 });
    let predictions: TopicReader | undefined;
    try {
      assert.equal(await cli('import', join(fixture, 'model.json')), 0, out.join(''));
      await waitFor('ready with the imported model', async () => (await fetch(`${url}/health/ready`)).status === 200, { timeoutMs: 60_000 });

      const io = JSON.parse(readFileSync(join(fixture, 'io.json'), 'utf8')) as Io;
      await producer.connect();
      predictions = await new TopicReader(config, config.predictions).start();
      const [sequences, steps, width] = io.inputShape;
      assert.equal(width, 1);
      const messages = [];
      for (let t = 0; t < steps; t++) {
        for (let s = 0; s < sequences; s++) messages.push({ key: `seq${s}`, value: JSON.stringify({ stream: `seq${s}`, ts: 1_000 + t, values: [io.inputs[s * steps + t]] }) });
      }
      await producer.send([{ topic: config.events, messages }]);
      const got = await predictions.waitForCount(messages.length, 60_000);
      for (let s = 0; s < sequences; s++) {
        const last = got
          .map((m) => JSON.parse(m.value!.toString()) as { stream: string; ts: number; output: number[]; model: { version: number } })
          .find((p) => p.stream === `seq${s}` && p.ts === 1_000 + steps - 1)!;
        assert.equal(last.model.version, 1);
        assert.ok(Math.abs(last.output[0] - io.outputs[s]) < 1e-5, `seq${s}: ${last.output[0]} vs Keras ${io.outputs[s]}`);
      }

      // A second import makes v2; rolling back to v1 publishes v3 with v1's weights.
      assert.equal(await cli('import', join(fixture, 'model.json')), 0, out.join(''));
      assert.equal(await cli('rollback', '1'), 0, out.join(''));
      await waitFor('v3 served', async () => / 3$/m.test((await (await fetch(`${url}/metrics`)).text()).split('\n').find((l) => l.startsWith('streamcell_inference_model_version')) ?? ''), { timeoutMs: 60_000 });
      await producer.send([{ topic: config.events, messages: [{ key: 'seq0', value: JSON.stringify({ stream: 'seq0', ts: 2_000, values: [0.5] }) }] }]);
      const after = await predictions.waitForCount(messages.length + 1, 60_000);
      const v = JSON.parse(after[after.length - 1].value!.toString()) as { model: { version: number } };
      assert.equal(v.model.version, 3);
    } finally {
      await predictions?.stop();
      await producer.disconnect().catch(() => undefined);
      await app.close();
    }
  });
});
