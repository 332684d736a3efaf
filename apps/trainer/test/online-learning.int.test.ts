import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TopicReader, waitFor } from '@streamcell/testing';
import { createTrainerApp, trainerServiceOf } from '../src/app.factory';
import { scoreVersion, type ValidationSet } from '../src/training/evaluation';
import { StreamWindows } from '../src/training/stream-windows';
import { bundlesOf, createEventsTopic, newId, produceSine, shiftLearningSettings, trainerTestConfig } from './support';

/**
 * Sine events as produceSine writes them (without noise), held as the trainer holds them (raw values
 * and each stream's scaler after every event, from the stream's first event on), for scoring
 * forecasts offline: the last `steps` events before `to`.
 */
function sineEvents(streams: number, to: number, steps: number, dynamics: (t: number) => { freq: number; amp: number }, halfLife: number): ValidationSet {
  const windows = new StreamWindows({ windowSize: steps + 1, maxStreams: streams, scalingHalfLife: halfLife });
  for (let t = 0; t <= to; t++) {
    const { freq, amp } = dynamics(t);
    for (let s = 0; s < streams; s++) windows.add(`s${s}`, Float32Array.of(5 + amp * Math.sin(freq * t + s * 0.7)));
  }
  return { streams: windows.all().map((w) => w.events), warm: 16, period: 0 };
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

      // Both versions forecast the same post-shift events; each stream's error is relative to its
      // last-value error, so the two medians compare the versions directly.
      const post = sineEvents(streams, 480, 96, (k) => (k < 160 ? before : after), config.scalingHalfLife);
      const frozenError = scoreVersion(frozen, post).medianRatio;
      const adaptedError = scoreVersion(adapted, post).medianRatio;
      t.diagnostic(`post-shift error / last-value: adapted v${adapted.version} ${adaptedError.toFixed(4)}, frozen v${frozen.version} ${frozenError.toFixed(4)}`);
      assert.ok(adaptedError < 1, `the adapted version beats last-value after the shift: ${adaptedError}`);
      assert.ok(adaptedError < 0.8 * frozenError, `post-shift error / last-value: adapted v${adapted.version} ${adaptedError} vs frozen v${frozen.version} ${frozenError}`);
      // The head moves when the publish commits; the reader sees it a moment later.
      const reader = weights;
      await waitFor('the adapted version on model.weights', () => (bundlesOf(reader, config.modelName).some((b) => b.version === adapted.version) ? true : undefined), { timeoutMs: 15_000 });
    } finally {
      await app.close();
      await weights?.stop();
    }
  });
});
