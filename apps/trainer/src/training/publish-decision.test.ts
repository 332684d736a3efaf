import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QualitySummary } from './evaluation';
import { candidateMetrics, decidePublish, shouldRevert } from './publish-decision';

const q = (medianRatio: number, o: Partial<QualitySummary> = {}): QualitySummary => ({ streams: 10, medianRatio, p90Ratio: medianRatio, worseShare: 0, seasonalMedianRatio: null, ...o });
const gate = { margin: 0.1, maxWorseShare: 0.25 };
const lastValue = q(1);

describe('decidePublish', () => {
  it('publishes only when the candidate beats the serving version by the relative margin', () => {
    assert.equal(decidePublish(q(0.56), q(0.6), gate).publish, false);
    assert.equal(decidePublish(q(0.54), q(0.6), gate).publish, true);
    assert.match(decidePublish(q(0.59), q(0.6), gate).reason, /does not beat the serving version by 0\.1/);
  });

  it('never publishes a candidate that does not beat last-value, whatever the serving version does', () => {
    const worse = q(1.3);
    assert.equal(decidePublish(q(1.05), worse, gate).publish, false);
    assert.match(decidePublish(q(1.05), worse, gate).reason, /does not beat last-value/);
    assert.equal(decidePublish(q(0.8), lastValue, gate).publish, true);
  });

  it('never publishes a candidate that makes a large share of streams worse than last-value, however good its median', () => {
    const r = decidePublish(q(0.5, { worseShare: 0.3 }), lastValue, gate);
    assert.equal(r.publish, false);
    assert.match(r.reason, /worse than last-value on more than 25 % of streams/);
    assert.equal(decidePublish(q(0.5, { worseShare: 0.2 }), lastValue, gate).publish, true);
  });

  it('with a period, refuses a candidate that is worse against seasonal-naive than the serving version', () => {
    const serving = q(1, { seasonalMedianRatio: 0.9 });
    assert.equal(decidePublish(q(0.8, { seasonalMedianRatio: 0.95 }), serving, gate).publish, false);
    assert.equal(decidePublish(q(0.8, { seasonalMedianRatio: 0.85 }), serving, gate).publish, true);
  });

  it('never publishes a non-finite candidate; replaces a non-finite serving version', () => {
    assert.equal(decidePublish(q(Number.NaN), lastValue, gate).publish, false);
    assert.equal(decidePublish(q(Number.POSITIVE_INFINITY), lastValue, gate).publish, false);
    assert.equal(decidePublish(q(0.5), q(Number.NaN), gate).publish, true);
  });

  it('reverts to the head after N rejections in a row, never with N = 0', () => {
    assert.equal(shouldRevert(2, 3), false);
    assert.equal(shouldRevert(3, 3), true);
    assert.equal(shouldRevert(100, 0), false);
  });

  it("writes the candidate's figures against the baselines and the serving version into its manifest", () => {
    const m = candidateMetrics(q(0.5, { seasonalMedianRatio: 0.7 }), q(0.9), { trainLoss: 0.1, round: 4, updates: 40, events: 1000 });
    assert.equal(m.ratioToLastValue, 0.5);
    assert.equal(m.validationLoss, 0.5);
    assert.equal(m.baselineLoss, 0.9);
    assert.equal(m.ratioToSeasonalNaive, 0.7);
    assert.equal(m.round, 4);
    assert.equal('ratioToSeasonalNaive' in candidateMetrics(q(0.5), q(0.9), { trainLoss: 0, round: 1, updates: 1, events: 1 }), false);
  });
});
