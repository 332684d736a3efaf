import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { inferenceTopics, modelWeightsTopic } from '@streamcell/events';
import { KafkaConnection, silentLogger } from '@streamcell/kafka';
import { createBundle, encodeBundle } from '@streamcell/model';
import { testConfig, TopicReader, uniqueName, waitFor } from '@streamcell/testing';
import { createInferenceApp } from '../apps/inference/src/app.factory';
import { inferenceSchema } from '../apps/inference/src/config';
import { createTrainerApp, trainerServiceOf } from '../apps/trainer/src/app.factory';
import { trainerSchema } from '../apps/trainer/src/config';
import { shiftLearningSettings } from '../apps/trainer/test/support';

const streams = 8;
const before = { freq: 0.3, amp: 2 };
const after = { freq: 0.9, amp: 4 };
const value = (s: number, t: number, d: { freq: number; amp: number }): number => 5 + d.amp * Math.sin(d.freq * t + s * 0.7);
const tsOf = (t: number): number => 1_700_000_000_000 + t;

interface Prediction {
  stream: string;
  ts: number;
  model: { version: number };
  output: number[];
}

/**
 * The headline test of online learning, across the real services: a multi-stream signal whose
 * dynamics change part-way (frequency 0.3 → 0.9, amplitude 2 → 4). The trainer keeps learning and
 * publishing; inference serves each new version. After the shift, the forecast error of the
 * predictions on `predictions` is compared with what a frozen copy of the pre-shift model —
 * served by a second inference worker over the very same events — forecasts.
 */
describe('online learning end to end', () => {
  it('after the shift, the served versions forecast clearly better than a frozen pre-shift copy', async (t) => {
    const id = uniqueName('learn');
    const shared = {
      TOPIC_EVENTS: `${id}.events`,
      TOPIC_EVENTS_DLQ: `${id}.dlq`,
      TOPIC_MODEL_WEIGHTS: `${id}.weights`,
      TOPIC_ALERTS: `${id}.alerts`,
      EVENTS_PARTITIONS: '2',
      INPUT_WIDTH: '1',
    };
    const trainerConfig = testConfig(trainerSchema, {
      ...shared,
      TRAINER_HOST: '127.0.0.1',
      TRAINER_PORT: '0',
      TOPIC_TRAINER_CHECKPOINTS: `${id}.checkpoints`,
      TRAINER_GROUP_ID: `${id}-trainer`,
      TRAINER_FROM_BEGINNING: 'true',
      MODEL_NAME: 'sine',
      MODEL_MAX_BYTES: String(1024 * 1024),
      TRAINER_CELL: 'lstm',
      ...shiftLearningSettings,
      TRAINER_PUBLISH_MARGIN: '0',
    });
    const inferenceEnv = (name: string, model: string) => ({
      ...shared,
      INFERENCE_HOST: '127.0.0.1',
      INFERENCE_PORT: '0',
      INFERENCE_ENGINE: 'reference',
      INFERENCE_GROUP_ID: `${id}-${name}`,
      TOPIC_PREDICTIONS: `${id}.${name}.predictions`,
      TOPIC_INFERENCE_STATE: `${id}.${name}.state`,
      MODEL_NAME: model,
      INFERENCE_COMMIT_INTERVAL_MS: '50',
    });
    const liveConfig = testConfig(inferenceSchema, inferenceEnv('live', 'sine'));
    const frozenConfig = testConfig(inferenceSchema, inferenceEnv('frozen', 'frozen'));

    const connection = new KafkaConnection(liveConfig, silentLogger);
    const admin = connection.admin();
    await admin.ensureTopics([
      { name: liveConfig.events, partitions: 2 },
      modelWeightsTopic(liveConfig),
      ...inferenceTopics(liveConfig),
      ...inferenceTopics(frozenConfig).filter((l) => l.name !== liveConfig.alerts),
    ]);
    await admin.disconnect();
    const producer = connection.producer({ maxQueuedMessages: 100_000, ackTimeoutMs: 30_000 });
    await producer.connect();
    const produce = async (from: number, to: number, d: { freq: number; amp: number }): Promise<void> => {
      const messages = [];
      for (let k = from; k < to; k++) for (let s = 0; s < streams; s++) messages.push({ key: `s${s}`, value: JSON.stringify({ stream: `s${s}`, ts: tsOf(k), values: [value(s, k, d)] }) });
      await producer.send([{ topic: liveConfig.events, messages }]);
    };

    const apps: NestFastifyApplication[] = [];
    const readers: TopicReader[] = [];
    try {
      const trainer = await createTrainerApp(trainerConfig);
      await trainer.listen({ port: 0, host: '127.0.0.1' });
      apps.push(trainer);
      const service = trainerServiceOf(trainer);
      await waitFor('trainer started', () => service.phase === 'training', { timeoutMs: 60_000 });
      for (const config of [liveConfig, frozenConfig]) {
        const app = await createInferenceApp(config);
        await app.listen({ port: 0, host: '127.0.0.1' });
        apps.push(app);
      }
      const livePredictions = await new TopicReader(liveConfig, liveConfig.predictions).start();
      const frozenPredictions = await new TopicReader(frozenConfig, frozenConfig.predictions).start();
      readers.push(livePredictions, frozenPredictions);

      // Before the shift: learn the slow, small sine.
      for (let k = 0; k < 160; k += 40) await produce(k, k + 40, before);
      await waitFor('a version trained before the shift', () => ((service.trainer.head?.version ?? 0) >= 2 ? true : undefined), { timeoutMs: 120_000 });
      await waitFor('rounds on pre-shift data done', () => service.trainer.stepCounters.events >= streams * 160 && !service.trainer.isRoundRunning && !service.trainer.isRoundDue(), {
        timeoutMs: 120_000,
      });
      const frozen = service.trainer.head!;
      // A frozen copy of it, served under another model name by the second worker.
      await producer.send([{ topic: liveConfig.modelWeights, messages: [{ key: 'frozen', value: encodeBundle(createBundle({ ...frozen, name: 'frozen', tensors: frozen.tensors })) }] }]);

      // The shift: faster and larger.
      for (let k = 160; k < 400; k += 40) await produce(k, k + 40, after);
      const adapted = await waitFor(
        'a version trained on the new dynamics',
        () => {
          const head = service.trainer.head!;
          return head.version > frozen.version && (head.metrics.events ?? 0) >= streams * 360 ? head : undefined;
        },
        { timeoutMs: 180_000 },
      );
      const liveUrl = await apps[1].getUrl();
      await waitFor(`inference serving v${adapted.version}`, async () => {
        const text = await (await fetch(`${liveUrl}/metrics`)).text();
        return Number(/^streamcell_inference_model_version\S* (\S+)$/m.exec(text)?.[1]) >= adapted.version;
      }, { timeoutMs: 60_000 });

      // Scored slice: the same post-shift events through both workers.
      await produce(400, 480, after);
      const slice = (r: TopicReader) => r.messages.map((m) => JSON.parse(m.value!.toString()) as Prediction).filter((p) => p.ts >= tsOf(400) && p.ts < tsOf(479));
      await waitFor('predictions for the scored slice', () => slice(livePredictions).length >= streams * 79 && slice(frozenPredictions).length >= streams * 79, { timeoutMs: 90_000 });
      const mse = (ps: Prediction[]): number => {
        let sum = 0;
        for (const p of ps) {
          const s = Number(p.stream.slice(1));
          const k = p.ts - tsOf(0);
          sum += (p.output[0] - value(s, k + 1, after)) ** 2;
        }
        return sum / ps.length;
      };
      const live = slice(livePredictions);
      const frozenSlice = slice(frozenPredictions);
      assert.ok(live.every((p) => p.model.version >= adapted.version), 'the scored slice was served by post-shift versions');
      assert.ok(frozenSlice.every((p) => p.model.version === frozen.version), 'the frozen worker served the pre-shift copy');
      const liveError = mse(live);
      const frozenError = mse(frozenSlice);
      t.diagnostic(`post-shift forecast MSE on predictions: served v${adapted.version}+ ${liveError.toFixed(4)}, frozen v${frozen.version} ${frozenError.toFixed(4)}, ratio ${(liveError / frozenError).toFixed(3)}`);
      assert.ok(liveError < 0.5 * frozenError, `served ${liveError} vs frozen ${frozenError}`);
    } finally {
      for (const r of readers) await r.stop().catch(() => undefined);
      for (const a of apps.reverse()) await a.close();
      await producer.disconnect();
    }
  });
});
