import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

// patches/kafkajs+2.2.4.patch, applied by npm's postinstall (patch-package), replaces kafkajs's
// per-send grouping of messages by partition, which copied a partition's array for every message
// (O(n²) in one send's messages; the quadratic part dominated large prediction sends).
const modulePath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition');

type Group = (args: { topic: string; partitionMetadata: unknown[]; messages: { key: string }[]; partitioner: (a: { message: { key: string } }) => number }) => Record<string, { key: string }[]>;

describe('the kafkajs grouping patch', () => {
  it('is applied to the installed kafkajs', () => {
    assert.match(readFileSync(modulePath, 'utf8'), /streamcell patch/, 'run `npm ci` (its postinstall applies patches/)');
  });

  it('groups by partition keeping each partition in send order', async () => {
    const group = ((await import(modulePath)) as { default: Group }).default;
    const messages = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}` }));
    const byPartition = group({ topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner: ({ message }) => Number(message.key.slice(1)) % 3 });
    assert.deepEqual(Object.keys(byPartition).sort(), ['0', '1', '2']);
    for (const [p, list] of Object.entries(byPartition)) {
      assert.deepEqual(
        list.map((m) => m.key),
        messages.filter((_, i) => i % 3 === Number(p)).map((m) => m.key),
      );
    }
    assert.deepEqual(group({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 }), {});
  });
});

// The same patch keeps kafkajs's request queue from scheduling a check when nothing is pending:
// with its default `throttledUntil = -1` the delay was -Date.now(), which Node 24 warns about on
// every request (TimeoutNegativeWarning; tulios/kafkajs#1751) while spinning a 1 ms timer loop.
describe('the kafkajs request-queue patch', () => {
  it('schedules no check when nothing is pending and nothing is throttled', async () => {
    const RequestQueue = ((await import(require.resolve('kafkajs/src/network/requestQueue'))) as { default: new (o: object) => { scheduleCheckPendingRequests(): void; throttleCheckTimeoutId: unknown } }).default;
    const logger = { namespace: () => logger, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const queue = new RequestQueue({ instrumentationEmitter: null, maxInFlightRequests: 1, requestTimeout: 1000, enforceRequestTimeout: false, clientId: 'c', broker: 'b', logger, isConnected: () => true });
    queue.scheduleCheckPendingRequests();
    assert.equal(queue.throttleCheckTimeoutId ?? null, null, 'no timer for an idle, unthrottled queue');
  });
});
