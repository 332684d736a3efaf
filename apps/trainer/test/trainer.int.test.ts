import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readTopicToEnd, TopicReader, waitFor } from '@streamcell/testing';
import { createTrainerApp, trainerServiceOf } from '../src/app.factory';
import type { TrainerConfig } from '../src/config';
import { checkpointKey } from '../src/model-ops/checkpoint-store';
import { decodeCheckpoint } from '../src/training/checkpoint';
import { bundlesOf, createEventsTopic, newId, produceSine, trainerTestConfig } from './support';

async function startTrainer(config: TrainerConfig): Promise<{ app: NestFastifyApplication; url: string }> {
  const app = await createTrainerApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = await app.getUrl();
  await waitFor('trainer ready', async () => (await fetch(`${url}/health/ready`)).status === 200, { timeoutMs: 60_000 });
  return { app, url };
}

describe('trainer against a real broker', () => {
  let config: TrainerConfig;
  let weights: TopicReader;
  let checkpoints: TopicReader;
  let app: NestFastifyApplication | undefined;

  before(async () => {
    config = trainerTestConfig(newId('trainer'));
    await createEventsTopic(config);
  });

  after(async () => {
    await app?.close();
    await weights?.stop();
    await checkpoints?.stop();
  });

  it('with no model, publishes version 1; then learns and publishes version 2 whose parent is 1', async () => {
    const started = await startTrainer(config);
    app = started.app;
    weights = await new TopicReader(config, config.modelWeights).start();
    checkpoints = await new TopicReader(config, config.trainerCheckpoints).start();
    await waitFor('v1', () => bundlesOf(weights, 'sine').length >= 1);
    const [v1] = bundlesOf(weights, 'sine');
    assert.equal(v1.version, 1);
    assert.equal(v1.parentVersion, null);
    assert.equal(v1.spec.cell, 'lstm');
    assert.deepEqual(v1.spec.layers, [8]);
    assert.equal(v1.spec.inputWidth, 2);

    await produceSine(config, 8, 60);
    const v2 = await waitFor('v2', () => bundlesOf(weights, 'sine').find((b) => b.version === 2), { timeoutMs: 90_000 });
    assert.equal(v2.parentVersion, 1);
    assert.ok(v2.metrics.validationLoss < v2.metrics.baselineLoss, `validation ${v2.metrics.validationLoss} vs baseline ${v2.metrics.baselineLoss}`);
    // v1 forecasts exactly last-value (its change head starts at zero); v2 beats it on the median stream.
    assert.equal(v2.metrics.baselineLoss, 1);
    assert.ok(v2.metrics.ratioToLastValue < 1, JSON.stringify(v2.metrics));
    assert.equal(v2.spec.normalization, null, 'no global statistics: every stream is scaled by its own');
    assert.ok(v2.spec.streamScaling !== null);

    const ck = await waitFor('checkpoint', () => {
      const last = checkpoints.messages.filter((m) => m.key?.toString() === checkpointKey(config)).at(-1);
      return last === undefined ? undefined : decodeCheckpoint(last.value!);
    });
    assert.ok(ck.headVersion >= 1);
    assert.ok(ck.counters.rounds >= 1 && ck.counters.updates >= 1 && ck.counters.events > 0);
    assert.ok(ck.optimizer !== undefined && ck.optimizer.step === ck.counters.updates, 'Adam state is checkpointed with its step count');

    const text = await (await fetch(`${started.url}/metrics`)).text();
    assert.match(text, /streamcell_trainer_candidates_published_total\{service="trainer"\} [1-9]/);
    assert.match(text, /streamcell_trainer_rounds_total\{outcome="published",service="trainer"\} [1-9]/);
    assert.match(text, /streamcell_trainer_iterations_total\{service="trainer"\} [1-9]/);
    assert.match(text, /streamcell_trainer_published_version\{service="trainer"\} [2-9]/);
    assert.match(text, /streamcell_trainer_validation_loss\{model="candidate",service="trainer"\} \d/);
    assert.match(text, /streamcell_trainer_round_duration_seconds_count\{service="trainer"\} [1-9]/);
    assert.match(text, /streamcell_trainer_events_total\{result="ok",service="trainer"\} [1-9]/);
    const ready = (await (await fetch(`${started.url}/health/ready`)).json()) as { info?: Record<string, { version?: number }> };
    assert.ok(JSON.stringify(ready).includes('"model"'), JSON.stringify(ready));
  });

  it('a restarted trainer continues from its checkpoint: the next version\'s parent is the last it published', async () => {
    const service = trainerServiceOf(app!);
    await waitFor('no round running', () => !service.trainer.isRoundRunning, { timeoutMs: 60_000 });
    const before = service.trainer.stepCounters;
    await app!.close();
    app = undefined;
    // Both topics read to their end offsets now that the trainer is closed (the test's readers
    // follow them a moment behind its last writes).
    const lastPublished = Math.max(...bundlesOf({ messages: await readTopicToEnd(config, config.modelWeights) }, 'sine').map((b) => b.version));
    const lastCheckpoint = decodeCheckpoint((await readTopicToEnd(config, config.trainerCheckpoints)).filter((m) => m.key?.toString() === checkpointKey(config)).at(-1)!.value!);
    assert.equal(lastCheckpoint.headVersion, lastPublished, 'the last checkpoint was taken after the last publication');

    const restarted = await startTrainer(config);
    app = restarted.app;
    const again = trainerServiceOf(app);
    assert.equal(again.trainer.head?.version, lastPublished, 'no second bootstrap: the head was found');
    assert.equal(again.trainer.stepCounters.updates, before.updates, 'Adam step and counters resumed from the checkpoint');

    await produceSine(config, 8, 60, 60);
    const next = await waitFor('next version', () => bundlesOf(weights, 'sine').find((b) => b.version === lastPublished + 1), { timeoutMs: 90_000 });
    assert.equal(next.parentVersion, lastPublished);
    assert.ok(again.trainer.stepCounters.rounds > before.rounds);
  });
});

describe('trainer safe publishing', () => {
  it('does not publish a candidate that does not beat the serving version by the margin', async () => {
    // Margin 0.99: a candidate must cut the validation loss by 99 %, which a few small steps
    // cannot. The candidates are real (trained, evaluated on the same held-out data); they lose.
    const config = trainerTestConfig(newId('trainer-reject'), { TRAINER_PUBLISH_MARGIN: '0.99', TRAINER_LEARNING_RATE: '0.001', TRAINER_ITERATIONS: '4' });
    await createEventsTopic(config);
    const { app, url } = await startTrainer(config);
    const weights = await new TopicReader(config, config.modelWeights).start();
    try {
      await waitFor('v1', () => bundlesOf(weights, 'sine').length >= 1);
      await produceSine(config, 8, 60);
      const service = trainerServiceOf(app);
      const rejected = await waitFor('two rejected candidates', () => {
        const r = service.reports.filter((x) => x.outcome === 'rejected');
        return r.length >= 2 ? r : undefined;
      }, { timeoutMs: 90_000 });
      for (const r of rejected) {
        assert.ok(Number.isFinite(r.validationLoss) && Number.isFinite(r.currentLoss), 'both losses are measured');
        assert.ok(r.validationLoss > r.currentLoss * 0.01, `candidate ${r.validationLoss} vs current ${r.currentLoss}`);
        assert.ok(r.iterations > 0);
      }
      assert.deepEqual(bundlesOf(weights, 'sine').map((b) => b.version), [1], 'only the bootstrap version is on model.weights');
      const text = await (await fetch(`${url}/metrics`)).text();
      assert.match(text, /streamcell_trainer_candidates_rejected_total\{service="trainer"\} [2-9]/);
      assert.match(text, /streamcell_trainer_candidates_published_total\{service="trainer"\} 0/);
      // Nothing was published, so every rejection so far is "in a row" (the alert's gauge).
      const inARow = Number(/streamcell_trainer_rejections_since_publish\{service="trainer"\} (\d+)/.exec(text)?.[1]);
      const rejectedNow = service.reports.filter((x) => x.outcome === 'rejected').length;
      assert.ok(inARow >= 2 && inARow <= rejectedNow, `rejections since publish ${inARow}, rejected rounds ${rejectedNow}`);
    } finally {
      await app.close();
      await weights.stop();
    }
  });

  it('waits for an imported model when bootstrap is "wait" and reports not ready until then', async () => {
    const config = trainerTestConfig(newId('trainer-wait'), { TRAINER_BOOTSTRAP: 'wait' });
    await createEventsTopic(config);
    const app = await createTrainerApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.getUrl();
    try {
      const service = trainerServiceOf(app);
      await waitFor('waiting phase', () => service.phase === 'waiting-for-model');
      const res = await fetch(`${url}/health/ready`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /waiting for model sine to be imported/);
    } finally {
      await app.close();
    }
  });
});

describe('two trainers for the same model', () => {
  it('the later one fences the first: the first stops training and says why, the second publishes', async () => {
    const config = trainerTestConfig(newId('trainer-fence'));
    await createEventsTopic(config);
    const first = await startTrainer(config);
    const weights = await new TopicReader(config, config.modelWeights, { readCommitted: true }).start();
    let second: { app: NestFastifyApplication; url: string } | undefined;
    try {
      await waitFor('v1', () => bundlesOf(weights, 'sine').length >= 1);
      // Its own consumer group, so both see every event and both would train and publish.
      second = await startTrainer({ ...config, groupId: `${config.groupId}-second` });
      await produceSine(config, 8, 60);
      const fenced = trainerServiceOf(first.app);
      await waitFor('the first trainer to be fenced at its next write', () => fenced.failedWith !== undefined, { timeoutMs: 90_000 });
      assert.match(fenced.failedWith!.message, /another trainer took over model sine/);
      const ready = await fetch(`${first.url}/health/ready`);
      assert.equal(ready.status, 503);
      assert.match(await ready.text(), /another trainer took over/);
      await waitFor('v2, trained by the second', () => bundlesOf(weights, 'sine').some((b) => b.version === 2), { timeoutMs: 90_000 });
      const versions = bundlesOf(weights, 'sine').map((b) => b.version);
      assert.deepEqual(versions, [...new Set(versions)], `no version published twice: ${versions.join(',')}`);
      assert.equal(trainerServiceOf(second.app).failedWith, undefined);
    } finally {
      await second?.app.close();
      await first.app.close();
      await weights.stop();
    }
  });
});
