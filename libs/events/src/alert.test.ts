import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAlert, encodeAlert, type AlertV1 } from './alert';

const alert: AlertV1 = {
  stream: 'pump-17',
  ts: 1764420000000,
  rule: 'residual_zscore',
  score: 9.5,
  threshold: 1.25,
  residual: 3.5,
  expected: [1, 2.5],
  actual: [4, -1],
  model: { name: 'default', version: 3 },
};

describe('decodeAlert', () => {
  it('reads back what encodeAlert wrote', () => {
    const decoded = decodeAlert(Buffer.from(encodeAlert(alert)));
    assert.deepEqual(decoded, { ok: true, alert });
  });

  it('reads the nulls encodeAlert writes for non-finite numbers as NaN', () => {
    const decoded = decodeAlert(encodeAlert({ ...alert, score: Infinity, expected: [NaN, 1] }));
    assert.ok(decoded.ok);
    assert.ok(Number.isNaN(decoded.alert.score));
    assert.ok(Number.isNaN(decoded.alert.expected[0]));
  });

  it('refuses what is not alert v1 JSON, with the reason and the field', () => {
    const cases: [string | null, string, RegExp][] = [
      [null, 'malformed_json', /no value/],
      ['not json', 'malformed_json', /not JSON/],
      ['[1]', 'invalid_alert', /an array/],
      [JSON.stringify({ ...JSON.parse(encodeAlert(alert)), v: 2 }), 'unsupported_version', /"v" is 2/],
      [JSON.stringify({ stream: 'x' }), 'unsupported_version', /"v" is missing/],
      [JSON.stringify({ ...JSON.parse(encodeAlert(alert)), stream: '' }), 'invalid_alert', /"stream"/],
      [JSON.stringify({ ...JSON.parse(encodeAlert(alert)), ts: '2026' }), 'invalid_alert', /"ts"/],
      [JSON.stringify({ ...JSON.parse(encodeAlert(alert)), ts: 1.7e18 }), 'invalid_alert', /"ts"/],
      [JSON.stringify({ ...JSON.parse(encodeAlert(alert)), actual: ['a'] }), 'invalid_alert', /"actual"/],
      [JSON.stringify({ ...JSON.parse(encodeAlert(alert)), model: { name: 'm', version: 1.5 } }), 'invalid_alert', /"model"/],
    ];
    for (const [input, reason, detail] of cases) {
      const decoded = decodeAlert(input);
      assert.equal(decoded.ok, false, String(input));
      if (!decoded.ok) {
        assert.equal(decoded.reason, reason, String(input));
        assert.match(decoded.detail, detail);
      }
    }
  });
});
