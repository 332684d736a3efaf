import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonLogger, Metrics } from '@streamcell/observability';
import { RoundReporter } from './round-reporter';
import { RoundScheduler } from './round-scheduler';
import { RoundTally } from './training/round-tally';
import { TrainerMetrics } from './trainer.metrics';

describe('RoundScheduler', () => {
  it('starts a round only when one is due and none runs, and stop() waits for the running one', async () => {
    let due = false;
    let started = 0;
    let finish: () => void = () => undefined;
    const scheduler = new RoundScheduler(
      () => due,
      () => {
        started += 1;
        return new Promise<void>((resolve) => (finish = resolve));
      },
    );
    scheduler.poke();
    assert.equal(started, 0, 'not due');
    due = true;
    scheduler.poke();
    scheduler.poke();
    assert.equal(started, 1, 'one round at a time');
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(stopped, false, 'stop waits for the running round');
    finish();
    await stopping;
    scheduler.poke();
    assert.equal(started, 1, 'no round after stop');
  });
});

describe('RoundReporter', () => {
  const lines: string[] = [];
  const metrics = new Metrics('trainer');
  const reporter = new RoundReporter(new TrainerMetrics(metrics), new JsonLogger('trainer', 'info', (l) => void lines.push(l)));
  const value = async (name: string, labels: Record<string, string> = {}): Promise<number | undefined> => {
    const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
    return m?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
  };

  it('counts rounds by outcome, tracks rejections since the last publication and logs one line per round', async () => {
    // The stopwatch reads 0 when the round starts and 5 ms at every report.
    let reads = 0;
    const tally = new RoundTally(1, () => (reads++ === 0 ? 0 : 5));
    tally.addIteration([0.5, 1.5]);
    assert.equal(tally.report('skipped', 'timing').durationMs, 5);
    const quality = { streams: 3, medianRatio: 0.8, p90Ratio: 0.9, worseShare: 0, seasonalMedianRatio: null };
    reporter.record(tally.report('rejected', 'not by the margin', { candidate: quality, serving: quality }), 4);
    reporter.record(tally.report('rejected', 'not by the margin'), 4);
    assert.equal(await value('streamcell_trainer_rejections_since_publish'), 2);
    reporter.record(tally.report('published', 'beats it', undefined, 5), 5);
    assert.equal(await value('streamcell_trainer_rejections_since_publish'), 0);
    assert.equal(await value('streamcell_trainer_rounds_total', { outcome: 'rejected' }), 2);
    assert.equal(await value('streamcell_trainer_updates_total'), 6);
    assert.equal(await value('streamcell_trainer_published_version'), 5);
    assert.equal(await value('streamcell_trainer_forecast_error_ratio', { model: 'candidate', baseline: 'last_value', stat: 'median' }), 0.8);
    assert.equal(reporter.reports.length, 3);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { msg?: string; message?: string }).msg ?? (JSON.parse(l) as { message?: string }).message),
      ['candidate rejected', 'candidate rejected', 'candidate published'],
    );
  });
});
