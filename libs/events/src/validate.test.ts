import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, type RejectReason } from './event';
import { canonicalMapping, extractFields } from './mapping';
import { defaultStreamIdPattern, validateEvent, type ValidationRules } from './validate';

const rules: ValidationRules = {
  width: 3,
  maxStreamIdLength: 16,
  streamIdPattern: defaultStreamIdPattern,
  maxFutureSkewMs: 60_000,
  maxPastSkewMs: 3_600_000,
};
const now = 1_764_420_000_000;
const check = (obj: Record<string, unknown>) => validateEvent(extractFields(obj, canonicalMapping), rules, now);

describe('validateEvent', () => {
  it('accepts a valid event and keeps its fields', () => {
    const v = check({ stream: 'pump-17', ts: now - 5, values: [0.3, 1.2, -4] });
    assert.deepEqual(v, { ok: true, event: { stream: 'pump-17', ts: now - 5, values: [0.3, 1.2, -4] } });
  });

  it('fills a missing ts with the arrival time and parses ISO-8601', () => {
    const a = check({ stream: 's', values: [1, 2, 3] });
    assert.equal(a.ok && a.event.ts, now);
    const iso = new Date(now - 1000).toISOString();
    const b = check({ stream: 's', ts: iso, values: [1, 2, 3] });
    assert.equal(b.ok && b.event.ts, now - 1000);
  });

  it('accepts an end event without values', () => {
    const v = check({ stream: 's', end: true });
    assert.deepEqual(v, { ok: true, event: { stream: 's', ts: now, values: [], end: true } });
    assert.equal(encodeEvent({ stream: 's', ts: 1, values: [], end: true }), '{"stream":"s","ts":1,"values":[],"end":true}');
  });

  const cases: [string, Record<string, unknown>, RejectReason, RegExp][] = [
    ['missing stream', { values: [1, 2, 3] }, 'stream_missing', /missing/],
    ['empty stream', { stream: '', values: [1, 2, 3] }, 'stream_missing', /missing/],
    ['long stream', { stream: 'x'.repeat(17), values: [1, 2, 3] }, 'stream_too_long', /17 characters, at most 16/],
    ['bad charset', { stream: 'a b', values: [1, 2, 3] }, 'stream_charset', /"a b"/],
    ['numeric stream', { stream: 42, values: [1, 2, 3] }, 'stream_charset', /42/],
    ['bad ts', { stream: 's', ts: 'yesterday', values: [1, 2, 3] }, 'ts_invalid', /"yesterday"/],
    ['fractional ts', { stream: 's', ts: 1.5, values: [1, 2, 3] }, 'ts_invalid', /1.5/],
    ['ts in seconds', { stream: 's', ts: Math.floor(now / 1000), values: [1, 2, 3] }, 'ts_skew', /looks like seconds/],
    ['future ts', { stream: 's', ts: now + 120_000, values: [1, 2, 3] }, 'ts_skew', /outside/],
    ['missing values', { stream: 's' }, 'values_missing', /array of 3 numbers/],
    ['short values', { stream: 's', values: [1, 2] }, 'values_width', /2 entries, exactly 3/],
    ['string value', { stream: 's', values: [1, '2', 3] }, 'values_not_finite', /values\[1\] is "2"/],
    ['null value', { stream: 's', values: [1, null, 3] }, 'values_not_finite', /values\[1\] is null/],
  ];
  for (const [name, obj, reason, detail] of cases) {
    it(`rejects ${name} as ${reason}`, () => {
      const v = check(obj);
      assert.equal(v.ok, false);
      if (!v.ok) {
        assert.equal(v.reason, reason);
        assert.match(v.detail, detail);
      }
    });
  }
});

describe('extractFields', () => {
  it('maps dotted paths, named value fields and falls back to the key for the stream', () => {
    const mapping = { stream: 'device.id', ts: 'time', values: 'unused', valueFields: ['temp', 'rpm', 'load'], end: 'closed' };
    const f = extractFields({ device: { id: 'p1' }, time: 5, temp: 1, rpm: 2, load: 3 }, mapping);
    assert.deepEqual(f, { stream: 'p1', ts: 5, values: [1, 2, 3], end: undefined });
    const g = extractFields({ temp: 1, rpm: 2, load: 3 }, mapping, 'from-key');
    assert.equal(g.stream, 'from-key');
  });
});
