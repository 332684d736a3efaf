import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAlert, dlqHeaders } from '@streamcell/events';
import type { KafkaProducer, TopicMessages } from '@streamcell/kafka';
import { JsonLogger } from '@streamcell/observability';
import type { AlertRecord } from './alert-record';
import { KafkaDeadLetters } from './dead-letters';

/** A producer whose broker refuses records over `limit` bytes of value (MESSAGE_TOO_LARGE). */
function producer(limit: number) {
  const written: TopicMessages[] = [];
  let refused = 0;
  const p = {
    isConnected: true,
    connect: () => Promise.resolve(),
    send: (batches: TopicMessages[]) => {
      const m = batches[0].messages[0];
      if ((m.value?.length ?? 0) > limit) {
        refused++;
        return Promise.reject(Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { type: 'MESSAGE_TOO_LARGE' }));
      }
      written.push(...batches);
      return Promise.resolve();
    },
  };
  return { producer: p as unknown as KafkaProducer, written, refused: () => refused };
}

const record = (value: Buffer): AlertRecord => ({ topic: 'alerts', partition: 0, offset: '7', key: Buffer.from('s'), value, decoded: decodeAlert(value) });

describe('KafkaDeadLetters', () => {
  it('writes a record too large for alerts.dlq cut to its first 64 KiB, with its length, instead of retrying it for ever', async () => {
    const { producer: p, written, refused } = producer(100_000);
    const letters = new KafkaDeadLetters(p, 'alerts.dlq', new JsonLogger('alerts', 'error', () => undefined));
    const big = Buffer.alloc(200_000, 'x');
    assert.equal(await letters.write(record(big), { reason: 'malformed_json', detail: 'not JSON' }, new AbortController().signal), true);
    assert.equal(refused(), 1);
    const [m] = written[0].messages;
    assert.deepEqual(m.value, big.subarray(0, 64 * 1024));
    assert.equal(m.headers?.[dlqHeaders.truncatedFrom], '200000');
    assert.equal(m.headers?.[dlqHeaders.reason], 'malformed_json');
  });

  it('writes a record that fits as it came', async () => {
    const { producer: p, written } = producer(100_000);
    const letters = new KafkaDeadLetters(p, 'alerts.dlq', new JsonLogger('alerts', 'error', () => undefined));
    assert.equal(await letters.write(record(Buffer.from('{')), { reason: 'malformed_json', detail: 'not JSON' }, new AbortController().signal), true);
    assert.equal(written[0].messages[0].value?.toString(), '{');
    assert.equal(written[0].messages[0].headers?.[dlqHeaders.truncatedFrom], undefined);
  });
});
