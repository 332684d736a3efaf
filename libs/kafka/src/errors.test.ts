import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaError, toKafkaError } from './errors';

describe('toKafkaError', () => {
  it('keeps connection and exhausted-retry failures retriable', () => {
    const e = toKafkaError(Object.assign(new Error('Connection error: ECONNREFUSED'), { name: 'KafkaJSNumberOfRetriesExceeded' }), 'produce');
    assert.ok(e instanceof KafkaError);
    assert.equal(e.retriable, true);
    assert.match(e.message, /^produce: Connection error/);
  });

  it('marks request errors that no retry can fix as permanent, looking through the cause chain', () => {
    const inner = Object.assign(new Error('too big'), { type: 'MESSAGE_TOO_LARGE' });
    const e = toKafkaError(Object.assign(new Error('wrapped'), { originalError: inner }), 'produce');
    assert.equal(e.retriable, false);
    assert.match(e.message, /MESSAGE_TOO_LARGE/);
    assert.equal(e.cause instanceof Error, true);
  });

  it('passes KafkaErrors through unchanged', () => {
    const original = new KafkaError('x', false);
    assert.equal(toKafkaError(original, 'ctx'), original);
  });
});
