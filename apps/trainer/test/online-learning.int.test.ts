import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TopicReader, waitFor } from '@streamcell/testing';
import { createTrainerApp, trainerServiceOf } from '../src/app.factory';
import { validationLoss, type Sequences } from '../src/training/evaluation';
import { bundlesOf, createEventsTopic, newId, produceSine, shiftLearningSettings, trainerTestConfig } from './support';

/** Sine events as produceSine writes them (without noise), for scoring forecasts offline. */
function sineSequences(streams: number, from: number, steps: number, freq: number, amp: number): Sequences {
  const inputs = new Float32Array(streams * steps);
  const targets = new Float32Array(streams * steps);
  for (let s = 0; s < streams; s++) {
    for (let t = 0; t < steps; t++) {
      const at = (k: number): number => 5 + amp * Math.sin(freq * k + s * 0.7);
      inputs[s * steps + t] = at(from + t);
      targets[s * steps + t] = at(from + t + 1);
    }
  }
  return { streams, steps, inputs, targets };
}

/**
 * The trainer's half of the headline online-learning test: the dynamics change part-way
 * (frequency 0.3 → 0.9, amplitude 2 → 4); the versions the trainer publishes after the shift
 * forecast the new dynamics clearly better than a frozen copy of the pre-shift version, measured on
 * the same post-shift events. Forecasts are computed here with the reference kernel; with the
 * inference service in the test the same comparison is made on its `predictions`.
 */
describe('online learning across a dynamics shift', () => {
  it('publishes versions after the shift that beat a frozen pre-shift copy on post-shift data', async (t) => {
    const config = trainerTestConfig(newId('trainer-shift'), shiftLearningSettings);
    await createEventsTopic(config);
    const app = await createTrainerApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    let weights: TopicReader | undefined;
    try {
      const service = trainerServiceOf(app);
      await waitFor('trainer started', () => service.phase === 'training', { timeoutMs: 60_000 });
      weights = await new TopicReader(config, config.modelWeights).start();
      const streams = 8;
      const before = { freq: 0.3, amp: 2 };
      const after = { freq: 0.9, amp: 4 };

      // Before the shift: learn the slow, small sine.
      for (let t = 0; t < 160; t += 40) await produceSine(config, streams, 40, t, before);
      await waitFor('a version trained before the shift', () => (service.trainer.head?.version ?? 0) >= 2 ? true : undefined, { timeoutMs: 90_000 });
      await waitFor('rounds on pre-shift data done', () => service.trainer.stepCounters.events >= streams * 160 && !service.trainer.isRoundRunning && !service.trainer.isRoundDue(), {
        timeoutMs: 90_000,
      });
      const frozen = service.trainer.head!;

      // The shift: faster and larger. Windows (64 events) fill with the new dynamics.
      for (let t = 160; t < 400; t += 40) await produceSine(config, streams, 40, t, after);
      const adapted = await waitFor(
        'a version trained on the new dynamics',
        () => {
          const head = service.trainer.head!;
          return head.version > frozen.version && head.metrics.events >= streams * 360 ? head : undefined;
        },
        { timeoutMs: 120_000 },
      );

      const post = sineSequences(streams, 400, 80, after.freq, after.amp);
      const warmup = 16;
      const frozenError = validationLoss(frozen, post, warmup, null, 'mse');
      const adaptedError = validationLoss(adapted, post, warmup, null, 'mse');
      t.diagnostic(`post-shift forecast MSE: adapted v${adapted.version} ${adaptedError.toFixed(4)}, frozen v${frozen.version} ${frozenError.toFixed(4)}, ratio ${(adaptedError / frozenError).toFixed(3)}`);
      assert.ok(adaptedError < 0.5 * frozenError, `post-shift forecast MSE: adapted v${adapted.version} ${adaptedError} vs frozen v${frozen.version} ${frozenError}`);
      assert.ok(bundlesOf(weights, config.modelName).some((b) => b.version === adapted.version), 'the adapted version is on model.weights');
    } finally {
      await app.close();
      await weights?.stop();
    }
  });
});
