import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decidePublish } from './publish-decision';

describe('decidePublish', () => {
  it('publishes only when the candidate beats the current loss by the relative margin', () => {
    assert.equal(decidePublish(0.89, 1, 0.1).publish, true);
    assert.equal(decidePublish(0.9, 1, 0.1).publish, true);
    assert.equal(decidePublish(0.91, 1, 0.1).publish, false);
    assert.match(decidePublish(0.91, 1, 0.1).reason, /does not beat 0\.900000 \(current 1\.000000/);
  });

  it('with margin 0 still requires a strict improvement (equal weights are not a new version)', () => {
    assert.equal(decidePublish(1, 1, 0).publish, false);
    assert.equal(decidePublish(0.999, 1, 0).publish, true);
  });

  it('never publishes a non-finite candidate; replaces a non-finite current one', () => {
    assert.equal(decidePublish(Number.NaN, 1, 0).publish, false);
    assert.equal(decidePublish(Number.POSITIVE_INFINITY, 1, 0).publish, false);
    assert.equal(decidePublish(0.5, Number.NaN, 0.1).publish, true);
  });
});
