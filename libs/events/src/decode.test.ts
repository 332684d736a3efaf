import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyWidth, decodeEvent, topicEventRules } from './decode';

describe('decodeEvent', () => {
  const rules = topicEventRules(2);
  const now = 1_700_000_000_000;

  it('reads event v1 JSON, end events included, whatever its age', () => {
    assert.deepEqual(decodeEvent(Buffer.from('{"stream":"a","ts":1,"values":[1,2]}'), rules, { now }), { ok: true, event: { stream: 'a', ts: 1, values: [1, 2] } });
    assert.deepEqual(decodeEvent('{"stream":"a","ts":1,"values":[],"end":true}', rules, { now }), { ok: true, event: { stream: 'a', ts: 1, values: [], end: true } });
  });

  it('refuses what cannot be an event, with the dead-letter reason', () => {
    const reason = (v: string | null): string | undefined => {
      const d = decodeEvent(v, rules, { now });
      return d.ok ? undefined : d.reason;
    };
    assert.equal(reason('{'), 'malformed_json');
    assert.equal(reason('[]'), 'not_an_object');
    assert.equal(reason(null), 'not_an_object');
    assert.equal(reason('{"stream":"a","values":[1,2]}'), 'ts_invalid');
    assert.equal(reason('{"ts":1,"values":[1,2]}'), 'stream_missing');
    assert.equal(reason('{"stream":"a b","ts":1,"values":[1,2]}'), 'stream_charset');
    assert.equal(reason('{"stream":"a","ts":1,"values":[1]}'), 'values_width');
    assert.equal(reason('{"stream":"a","ts":1,"values":["1",2]}'), 'values_not_finite');
    assert.equal(reason('{"stream":"a","ts":1,"values":[1e39,2]}'), 'values_not_finite');
  });

  it('takes the stream id from the key when the JSON has none', () => {
    const d = decodeEvent('{"ts":1,"values":[1,2]}', rules, { key: 'k', now });
    assert.ok(d.ok);
    assert.equal(d.event.stream, 'k');
  });

  it('reads any width for readers that only show events', () => {
    assert.ok(decodeEvent('{"stream":"a","ts":1,"values":[1,2,3]}', anyWidth, { now }).ok);
    assert.ok(!decodeEvent('{"stream":"a","ts":1,"values":[1,null]}', anyWidth, { now }).ok);
  });
});
