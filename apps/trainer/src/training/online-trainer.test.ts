import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBundle, type WeightsBundle } from '@streamcell/model';
import type { TrainerCheckpoint } from './checkpoint';
import { OnlineTrainer, type TrainerPorts, type TrainingSettings } from './online-trainer';

const settings: TrainingSettings = {
  modelName: 'm',
  inputWidth: 1,
  windowSize: 40,
  maxStreams: 100,
  trainEveryEvents: 100,
  trainEverySeconds: 10,
  iterations: 6,
  k1: 4,
  k2: 8,
  batchSize: 4,
  learningRate: 0.03,
  clipNorm: 1,
  loss: 'mse',
  holdoutFraction: 0.25,
  publishMargin: 0,
  maxWorseShare: 0.25,
  seasonalPeriod: 0,
  scalingHalfLife: 50,
  revertAfterRejections: 0,
  backend: 'cpu',
  seed: 1,
};

function headBundle(): WeightsBundle {
  return createBundle({
    name: 'm',
    spec: { cell: 'gru', layers: [6], inputWidth: 1, head: { units: 1 }, output: { kind: 'next-values', delta: true }, streamScaling: { halfLife: 50 } },
    init: { seed: 2 },
    version: 5,
    parentVersion: 4,
  });
}

interface Fakes {
  published: WeightsBundle[];
  checkpoints: TrainerCheckpoint[];
  clock: { t: number };
  ports: TrainerPorts;
}

function fakes(overrides: Partial<TrainerPorts> = {}): Fakes {
  const published: WeightsBundle[] = [];
  const checkpoints: TrainerCheckpoint[] = [];
  const clock = { t: 1_000_000 };
  return {
    published,
    checkpoints,
    clock,
    ports: {
      // As the registry does: the next version is numbered at publication.
      publish: (draft, base) => {
        const b: WeightsBundle = { ...draft, version: base.version + 1, parentVersion: base.version };
        published.push(b);
        return Promise.resolve({ published: b });
      },
      checkpoint: (c) => {
        checkpoints.push(c);
        return Promise.resolve();
      },
      yieldToEventLoop: () => Promise.resolve(),
      now: () => clock.t,
      ...overrides,
    },
  };
}

/** 4 streams of a sine around 10 with amplitude 3, different phases. */
function feed(trainer: OnlineTrainer, steps: number, from = 0): void {
  for (let t = from; t < from + steps; t++) for (let s = 0; s < 4; s++) trainer.observe(`s${s}`, [10 + 3 * Math.sin(0.5 * t + s)]);
}

describe('OnlineTrainer', () => {
  it('trains on the windows, and publishes a candidate that beats last-value and the head as head + 1', async () => {
    const f = fakes();
    const trainer = new OnlineTrainer(settings, f.ports);
    trainer.adoptHead(headBundle());
    feed(trainer, 40);
    const report = await trainer.runRound();
    assert.equal(report.outcome, 'published', report.reason);
    assert.equal(report.iterations, 6);
    assert.equal(report.updates, 12, 'k2 / k1 = 2 updates per iteration');
    assert.equal(report.currentLoss, 1, 'the fresh change-forecasting head is exactly last-value');
    // The scheduling clock (f.clock) stood still, as stream time does in a replay: the round is timed by the stopwatch.
    assert.ok(report.durationMs > 0, `durationMs ${report.durationMs}`);
    assert.ok(report.validationLoss < 0.9, `median error ratio to last-value ${report.validationLoss}`);
    assert.ok(report.quality !== undefined && report.quality.candidate.worseShare <= 0.25);
    const [v6] = f.published;
    assert.equal(v6.version, 6);
    assert.equal(v6.parentVersion, 5);
    assert.deepEqual(v6.spec.streamScaling, { halfLife: 50 }, 'per-stream scaling kept; no global statistics frozen in');
    assert.equal(v6.spec.normalization, null);
    assert.equal(v6.metrics.validationLoss, report.validationLoss);
    assert.equal(v6.metrics.ratioToLastValue, report.validationLoss);
    assert.equal(v6.metrics.baselineLoss, report.currentLoss);
    assert.equal(trainer.head, v6);
    // Live segments continued the streams' carried states and advanced their cursors.
    const w = trainer.windows.get('s0')!;
    assert.ok(w.cursor > 0 && w.carried !== null);
    assert.equal(f.checkpoints.length, 1);
    assert.equal(f.checkpoints[0].headVersion, 6);
    assert.equal(f.checkpoints[0].optimizer?.step, 12);
    assert.equal(trainer.adoptHead(v6), 'ignored', 'the echo of our own publication changes nothing');
  });

  it('skips the round when the registry refuses the candidate (the head moved or is pinned), keeping the head', async () => {
    const f = fakes({ publish: () => Promise.resolve({ superseded: 'model m is pinned to v2' }) });
    const trainer = new OnlineTrainer(settings, f.ports);
    const head = headBundle();
    trainer.adoptHead(head);
    feed(trainer, 64);
    const report = await trainer.runRound();
    assert.equal(report.outcome, 'skipped');
    assert.match(report.reason, /candidate not published: model m is pinned to v2/);
    assert.equal(report.version, undefined);
    assert.equal(trainer.head, head);
    assert.equal(trainer.stepCounters.published, 0);
    assert.equal(f.checkpoints.length, 1, 'checkpointed all the same');
  });

  it('keeps its working state for its own publication and adopts a lower pinned version as a new base', () => {
    const f = fakes();
    const trainer = new OnlineTrainer(settings, f.ports);
    trainer.adoptHead(headBundle());
    const v6 = { ...headBundle(), version: 6, parentVersion: 5 };
    assert.equal(trainer.adoptHead(v6, true), 'own');
    const pinned = { ...headBundle(), version: 3 };
    assert.equal(trainer.adoptHead(pinned), 'adopted');
    assert.equal(trainer.head, pinned);
  });

  it('rejects a candidate that does not beat the margin, keeps learning, and reverts after N rejections', async () => {
    const f = fakes();
    const trainer = new OnlineTrainer({ ...settings, publishMargin: 0.99, iterations: 2, revertAfterRejections: 2 }, f.ports);
    const head = headBundle();
    trainer.adoptHead(head);
    feed(trainer, 40);
    const first = await trainer.runRound();
    assert.equal(first.outcome, 'rejected');
    assert.match(first.reason, /does not beat/);
    assert.ok(Number.isFinite(first.validationLoss) && Number.isFinite(first.currentLoss));
    assert.notDeepEqual(f.checkpoints[0].working.tensors, head.tensors, 'the working weights keep what they learned');
    feed(trainer, 1, 40);
    const second = await trainer.runRound();
    assert.equal(second.outcome, 'rejected');
    assert.match(second.reason, /2 rejections in a row: restarting from v5/);
    assert.equal(f.published.length, 0);
    const ck = f.checkpoints.at(-1)!;
    assert.equal(ck.working, head);
    assert.equal(ck.optimizer, undefined);
    assert.equal(ck.counters.rejected, 2);
  });

  it('skips a round without enough events per stream, and fails a diverged one back to the head', async () => {
    const f = fakes({ train: () => Promise.reject(new Error('loss became NaN')) });
    const trainer = new OnlineTrainer(settings, f.ports);
    trainer.adoptHead(headBundle());
    feed(trainer, 10);
    assert.equal((await trainer.runRound()).outcome, 'skipped');
    feed(trainer, 30, 10);
    const failed = await trainer.runRound();
    assert.equal(failed.outcome, 'failed');
    assert.match(failed.reason, /restarting from v5: loss became NaN/);
    assert.equal(f.published.length, 0);
  });

  it('is due after trainEveryEvents events or trainEverySeconds with new events', () => {
    const f = fakes();
    const trainer = new OnlineTrainer({ ...settings, trainEveryEvents: 8 }, f.ports);
    feed(trainer, 2);
    assert.equal(trainer.isRoundDue(), false, 'no model yet');
    trainer.adoptHead(headBundle());
    assert.equal(trainer.isRoundDue(), true);
    const other = new OnlineTrainer(settings, f.ports);
    other.adoptHead(headBundle());
    assert.equal(other.isRoundDue(), false, 'no events');
    feed(other, 1);
    assert.equal(other.isRoundDue(), false);
    f.clock.t += 10_000;
    assert.equal(other.isRoundDue(), true);
  });

  it('takes an externally published version as the new base and refuses one of another input width', () => {
    const f = fakes();
    const trainer = new OnlineTrainer(settings, f.ports);
    trainer.adoptHead(headBundle());
    feed(trainer, 3);
    trainer.windows.get('s0')!.carried = [new Float32Array(6)];
    const imported = createBundle({ name: 'm', spec: { cell: 'lstm', layers: [4], inputWidth: 1, head: { units: 1 } }, version: 9 });
    assert.equal(trainer.adoptHead(imported), 'adopted');
    assert.equal(trainer.checkpointNow()!.working, imported);
    assert.equal(trainer.windows.get('s0')!.carried, null, 'another architecture: carried states dropped');
    const wide = createBundle({ name: 'm', spec: { cell: 'lstm', layers: [4], inputWidth: 3, head: { units: 1 } }, version: 10 });
    assert.throws(() => trainer.adoptHead(wide), /input width 3, INPUT_WIDTH is 1/);
    assert.equal(trainer.head, imported, 'the head stays the last trainable version');
    assert.equal(trainer.observe('x', [1, 2]), 'width');
    assert.equal(trainer.observe('x', [Number.NaN]), 'not_finite');
    // Between float32's max and the rounding midpoint: Float32Array would round it to max, ingest refuses it; both agree now.
    assert.equal(trainer.observe('x', [3.40282350e38]), 'not_finite');
    assert.equal(trainer.observe('s1', null), 'ended');
  });

  it('drops a round during which another version was published: the import is the base, not the round\'s weights', async () => {
    const imported = createBundle({ name: 'm', spec: { cell: 'gru', layers: [12], inputWidth: 1, head: { units: 1 }, output: { kind: 'next-values', delta: true }, streamScaling: { halfLife: 50 } }, init: { seed: 6 }, version: 6 });
    let adopted = '';
    // The import lands while the first training iteration has yielded to the event loop.
    const f = fakes({ yieldToEventLoop: () => ((adopted ||= trainer.adoptHead(imported)), Promise.resolve()) });
    const trainer = new OnlineTrainer(settings, f.ports);
    trainer.adoptHead(headBundle());
    feed(trainer, 40);
    const report = await trainer.runRound();
    assert.equal(adopted, 'adopted');
    assert.equal(report.outcome, 'skipped');
    assert.match(report.reason, /v6 was published during the round/);
    const c = trainer.checkpointNow()!;
    assert.equal(c.working, imported, 'the round\'s weights (of the old base) were not kept');
    assert.equal(c.optimizer, undefined, 'nor its optimiser state');
    feed(trainer, 40, 40);
    await trainer.runRound();
    for (const b of f.published) assert.deepEqual([b.parentVersion, b.spec.layers], [6, [12]]);
  });

  it('compares with seasonal-naive when a period is set, even one longer than the warm-up', async () => {
    const f = fakes();
    const trainer = new OnlineTrainer({ ...settings, seasonalPeriod: 24, iterations: 1 }, f.ports);
    trainer.adoptHead(headBundle());
    feed(trainer, 40);
    const report = await trainer.runRound();
    assert.ok(report.quality !== undefined, report.reason);
    assert.ok(report.quality.serving.seasonalMedianRatio !== null && report.quality.serving.seasonalMedianRatio > 0, JSON.stringify(report.quality));
  });
});
