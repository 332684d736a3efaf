import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonArrayItemSpans } from './json-array-items';

const items = (text: string): string[] | undefined => {
  const bytes = Buffer.from(text, 'utf8');
  return jsonArrayItemSpans(bytes)?.map(([s, e]) => bytes.subarray(s, e).toString('utf8'));
};

describe('jsonArrayItemSpans', () => {
  it('gives each item as the bytes that came, without surrounding space', () => {
    assert.deepEqual(items(' [ {"a": 1e400} ,\n\t"x, ]y", -0.0E+2,[1,[2]] , null]\n'), ['{"a": 1e400}', '"x, ]y"', '-0.0E+2', '[1,[2]]', 'null']);
    assert.deepEqual(items('[]'), []);
    assert.deepEqual(items('[ ]'), []);
    assert.deepEqual(items('[1]'), ['1']);
  });

  it('handles escapes and multi-byte UTF-8 inside strings', () => {
    assert.deepEqual(items('["a\\"]", "\\\\", {"s":"ü€𝄞,]"}]'), ['"a\\"]"', '"\\\\"', '{"s":"ü€𝄞,]"}']);
    const bytes = Buffer.from('[{"s":"ü"},2]', 'utf8');
    assert.deepEqual(jsonArrayItemSpans(bytes), [[1, 11], [12, 13]]);
  });

  it('splits deeply nested items without recursion', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const text = `[{"stream":"ok","values":[1]},${deep}]`;
    assert.deepEqual(items(text), ['{"stream":"ok","values":[1]}', deep]);
  });

  it('agrees with JSON.parse on the item count of valid arrays', () => {
    for (const text of ['[1,2,3]', '[{"a":[1,{"b":"]"}]},{}]', '["",""]', '[[],[[]],{}]']) {
      assert.equal(items(text)?.length, (JSON.parse(text) as unknown[]).length, text);
    }
  });

  it('returns undefined for what is not one well-formed array', () => {
    for (const text of ['{"a":1}', '42', '[1,2', '[1,]', '[,1]', '[1,,2]', '[1] x', '["open]', '[1}', '']) {
      assert.equal(items(text), undefined, text);
    }
  });
});
