import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, type RejectReason } from './event';
import { canonicalMapping, extractFields } from './mapping';
import { float32Max, isModelNumber } from './model-number';
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

  it('reads a date-time without an offset as UTC, whatever the host time zone', () => {
    const utc = new Date(now - 1000).toISOString();
    const bare = utc.slice(0, -1);
    for (const ts of [bare, bare.replace('T', ' ')]) {
      const v = check({ stream: 's', ts, values: [1, 2, 3] });
      assert.equal(v.ok && v.event.ts, now - 1000, ts);
    }
    const offset = check({ stream: 's', ts: `${bare}+00:30`, values: [1, 2, 3] });
    assert.equal(offset.ok && offset.event.ts, now - 1000 - 1_800_000);
  });

  it('refuses a ts past the largest date on the topic too, where any age is accepted', () => {
    // 1.7e18 is a nanosecond clock; formatting it as a date (an alert's startsAt) would throw.
    const v = validateEvent(extractFields({ stream: 's', ts: 1.7e18, values: [1, 2, 3] }, canonicalMapping), { ...rules, maxFutureSkewMs: Infinity, maxPastSkewMs: Infinity }, now);
    assert.equal(v.ok ? 'accepted' : v.reason, 'ts_invalid');
    assert.match(v.ok ? '' : v.detail, /largest date/);
  });

  it('accepts an end event without values', () => {
    const v = check({ stream: 's', end: true });
    assert.deepEqual(v, { ok: true, event: { stream: 's', ts: now, values: [], end: true } });
    // As encodeEvent writes it, so a client may post back what it read from the topic.
    assert.deepEqual(check({ stream: 's', end: true, values: [] }), v);
    assert.equal(encodeEvent({ stream: 's', ts: 1, values: [], end: true }), '{"stream":"s","ts":1,"values":[],"end":true}');
  });

  const cases: [string, Record<string, unknown>, RejectReason, RegExp][] = [
    ['missing stream', { values: [1, 2, 3] }, 'stream_missing', /missing/],
    ['empty stream', { stream: '', values: [1, 2, 3] }, 'stream_missing', /missing/],
    ['long stream', { stream: 'x'.repeat(17), values: [1, 2, 3] }, 'stream_too_long', /17 characters, at most 16/],
    ['bad charset', { stream: 'a b', values: [1, 2, 3] }, 'stream_charset', /"a b"/],
    ['numeric stream', { stream: 42, values: [1, 2, 3] }, 'stream_charset', /42/],
    ['lone surrogate in stream', { stream: 'a\ud800', values: [1, 2, 3] }, 'stream_charset', /lone UTF-16 surrogate/],
    ['bad ts', { stream: 's', ts: 'yesterday', values: [1, 2, 3] }, 'ts_invalid', /"yesterday"/],
    ['fractional ts', { stream: 's', ts: 1.5, values: [1, 2, 3] }, 'ts_invalid', /1.5/],
    // Date.parse would roll these over to the next month.
    ['impossible day', { stream: 's', ts: '2024-02-30T00:00:00Z', values: [1, 2, 3] }, 'ts_invalid', /"2024-02-30T00:00:00Z" is not a calendar date/],
    ['no leap day', { stream: 's', ts: '2023-02-29', values: [1, 2, 3] }, 'ts_invalid', /not a calendar date/],
    ['month 13', { stream: 's', ts: '2024-13-01', values: [1, 2, 3] }, 'ts_invalid', /not a calendar date/],
    ['ts in seconds', { stream: 's', ts: Math.floor(now / 1000), values: [1, 2, 3] }, 'ts_skew', /looks like seconds/],
    ['future ts', { stream: 's', ts: now + 120_000, values: [1, 2, 3] }, 'ts_skew', /outside/],
    ['missing values', { stream: 's' }, 'values_missing', /array of 3 numbers/],
    ['short values', { stream: 's', values: [1, 2] }, 'values_width', /2 entries, exactly 3/],
    ['string value', { stream: 's', values: [1, '2', 3] }, 'values_not_finite', /values\[1\] is "2"/],
    ['null value', { stream: 's', values: [1, null, 3] }, 'values_not_finite', /values\[1\] is null/],
    // Finite doubles the model's float32 cannot hold: they used to be accepted and poison the state.
    ['double beyond float32', { stream: 's', values: [-1.7e308, 0, 0] }, 'values_not_finite', /values\[0\] is -1\.7e\+308, outside the model's float32 range/],
    ['just past float32 max', { stream: 's', values: [0, 3.4028236e38, 0] }, 'values_not_finite', /values\[1\]/],
    // `1e400` parses to Infinity; the detail must say so, not "null" as JSON.stringify would.
    ['overflowing literal', { stream: 's', values: JSON.parse('[1, 1e400, 3]') as unknown }, 'values_not_finite', /values\[1\] is Infinity/],
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

describe('validateEvent on hostile input', () => {
  it('accepts the float32 extremes exactly', () => {
    const v = check({ stream: 's', values: [float32Max, -float32Max, 1e-45] });
    assert.equal(v.ok, true);
  });

  it('describes deeply nested values without walking them (no stack overflow)', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    const nestedObject = JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`) as unknown;
    const cases: [Record<string, unknown>, RejectReason, RegExp][] = [
      [{ stream: nestedObject, values: [1, 2, 3] }, 'stream_charset', /got an object/],
      [{ stream: 's', values: deep }, 'values_width', /1 entries/],
      [{ stream: 's', values: nestedObject }, 'values_missing', /got an object/],
      [{ stream: 's', values: [1, deep, 3] }, 'values_not_finite', /values\[1\] is an array of 1 item/],
      [{ stream: 's', ts: deep, values: [1, 2, 3] }, 'ts_invalid', /an array/],
      [{ stream: 's', end: nestedObject }, 'values_missing', /end must be true or false, got an object/],
    ];
    for (const [obj, reason, detail] of cases) {
      const v = check(obj);
      assert.equal(v.ok, false);
      if (!v.ok) {
        assert.equal(v.reason, reason);
        assert.match(v.detail, detail);
      }
    }
  });
});

describe('isModelNumber', () => {
  it('is the float32 range, NaN and non-numbers excluded', () => {
    assert.equal(isModelNumber(float32Max), true);
    assert.equal(isModelNumber(-float32Max), true);
    assert.equal(isModelNumber(0), true);
    for (const v of [-1.7e308, 3.4028236e38, Infinity, -Infinity, NaN, '1', null, undefined]) assert.equal(isModelNumber(v), false, String(v));
    // The bound is the float32 a Float32Array actually holds (what the trainer and the engines use).
    assert.equal(Float32Array.of(float32Max)[0], float32Max);
    assert.equal(Number.isFinite(Float32Array.of(1.7e308)[0]), false);
  });
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
