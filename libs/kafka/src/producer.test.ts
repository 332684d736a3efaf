import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { BackpressureError, ProduceTimeoutError } from './errors';
import { KafkaProducer } from './producer';

interface SentBatch {
  topicMessages: { topic: string; messages: unknown[] }[];
}

/** A kafkajs stand-in whose sendBatch calls are resolved by the test; each producer() is a new producer id. */
function fakeKafka() {
  const calls: { batch: SentBatch; producerId: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  const connected: number[] = [];
  let ids = 0;
  const producer = () => {
    const producerId = ++ids;
    return {
      events: { CONNECT: 'connect', DISCONNECT: 'disconnect' },
      on: () => undefined,
      connect: () => {
        connected.push(producerId);
        return Promise.resolve();
      },
      disconnect: () => Promise.resolve(),
      sendBatch: (batch: SentBatch) => new Promise<void>((resolve, reject) => calls.push({ batch, producerId, resolve, reject })),
    };
  };
  return { kafka: { producer } as unknown as Kafka, calls, connected };
}

const msgs = (topic: string, n: number) => [{ topic, messages: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v' })) }];
const tick = () => new Promise((r) => setImmediate(r));

describe('KafkaProducer', () => {
  it('sends at once when idle and batches sends queued behind an in-flight request', async () => {
    const { kafka, calls } = fakeKafka();
    const p = new KafkaProducer(kafka, { maxQueuedMessages: 100, ackTimeoutMs: 10_000 });
    const first = p.send(msgs('a', 2));
    const second = p.send(msgs('a', 3));
    const third = p.send(msgs('b', 1));
    await tick();
    assert.equal(calls.length, 1, 'one request on the wire');
    assert.equal(p.inFlight, 6);
    calls[0].resolve();
    await first;
    await tick();
    assert.equal(calls.length, 2, 'the queued sends went out together');
    assert.deepEqual(calls[1].batch.topicMessages.map((t) => [t.topic, t.messages.length]), [['a', 3], ['b', 1]]);
    calls[1].resolve();
    await Promise.all([second, third]);
    assert.equal(p.inFlight, 0);
  });

  it('merges queued sends only up to maxBatchBytes, so one large send does not share a request', async () => {
    const { kafka, calls } = fakeKafka();
    const p = new KafkaProducer(kafka, { maxQueuedMessages: 100, ackTimeoutMs: 10_000, maxBatchBytes: 1000 });
    await p.connect();
    const big = (topic: string) => [{ topic, messages: [{ key: 'k', value: 'x'.repeat(600), headers: { reason: 'r' } }] }];
    const sends = [p.send(msgs('a', 1)), p.send(big('dlq')), p.send(big('dlq')), p.send(msgs('a', 2)), p.send(msgs('a', 3))];
    for (let i = 0; i < 3; i++) {
      await tick();
      calls[i].resolve();
      await tick();
    }
    await Promise.all(sends);
    // 600-byte values: two would pass 1000 bytes, so the second waits and goes with the small ones.
    assert.deepEqual(
      calls.map((c) => c.batch.topicMessages.map((t) => [t.topic, t.messages.length])),
      [[['a', 1]], [['dlq', 1]], [['dlq', 1], ['a', 5]]],
    );
  });

  it('refuses sends past the queue bound with a retriable BackpressureError', async () => {
    const { kafka } = fakeKafka();
    const p = new KafkaProducer(kafka, { maxQueuedMessages: 5, ackTimeoutMs: 10_000 });
    void p.send(msgs('a', 4)).catch(() => undefined);
    await assert.rejects(p.send(msgs('a', 2)), (e: unknown) => e instanceof BackpressureError && e.retriable);
  });

  it('withdraws a queued send that times out, so it is never written', async () => {
    const { kafka, calls } = fakeKafka();
    const p = new KafkaProducer(kafka, { maxQueuedMessages: 100, ackTimeoutMs: 30 });
    const first = p.send(msgs('a', 1));
    const queued = p.send(msgs('a', 1));
    await assert.rejects(first, ProduceTimeoutError);
    await assert.rejects(queued, ProduceTimeoutError);
    calls[0].resolve();
    await tick();
    assert.equal(calls.length, 1, 'the timed-out queued send was not sent afterwards');
    assert.equal(p.inFlight, 0);
  });

  it('fails every send of a failed request with a typed error', async () => {
    const { kafka, calls } = fakeKafka();
    const p = new KafkaProducer(kafka, { maxQueuedMessages: 100, ackTimeoutMs: 10_000 });
    const s = p.send(msgs('a', 1));
    await tick();
    calls[0].reject(Object.assign(new Error('gone'), { name: 'KafkaJSConnectionError' }));
    await assert.rejects(s, (e: unknown) => (e as { retriable?: boolean }).retriable === true);
  });

  // kafkajs rewinds its sequence numbers after a failed request; if that request was written after
  // all, the next one would reuse them and the broker would drop it as a duplicate while
  // acknowledging it. Seen in CI as accepted events missing after a broker restart.
  it('sends the request after a failed one under a new producer id, connected first', async () => {
    const { kafka, calls, connected } = fakeKafka();
    const p = new KafkaProducer(kafka, { maxQueuedMessages: 100, ackTimeoutMs: 10_000 });
    await p.connect();
    const ok = p.send(msgs('a', 1));
    await tick();
    calls[0].resolve();
    await ok;
    const lost = p.send(msgs('a', 1));
    await tick();
    assert.equal(calls[1].producerId, 1, 'a successful request keeps the producer id');
    calls[1].reject(Object.assign(new Error('Request timed out'), { name: 'KafkaJSRequestTimeoutError' }));
    await assert.rejects(lost);
    const next = p.send(msgs('a', 1));
    await tick();
    await tick();
    assert.equal(calls[2].producerId, 2, 'the next request comes from a new producer');
    assert.deepEqual(connected, [1, 2], 'which was connected (InitProducerId) before sending');
    calls[2].resolve();
    await next;
    assert.equal(p.isConnected, true);
  });

  // Ingest answers 503 while isConnected is false, without sending: a producer that stayed
  // disconnected after a failed reconnect kept answering 503 after the broker came back.
  it('reconnects by itself when the producer renewed after a failure cannot connect yet', async () => {
    let down = false;
    let connects = 0;
    const kafka = {
      producer: () => ({
        events: { CONNECT: 'connect', DISCONNECT: 'disconnect' },
        on: () => undefined,
        connect: () => (connects++, down ? Promise.reject(Object.assign(new Error('ECONNREFUSED'), { name: 'KafkaJSConnectionError' })) : Promise.resolve()),
        disconnect: () => Promise.resolve(),
        sendBatch: () => (down ? Promise.reject(Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' })) : Promise.resolve()),
      }),
    } as unknown as Kafka;
    const p = new KafkaProducer(kafka, { maxQueuedMessages: 100, ackTimeoutMs: 10_000 });
    await p.connect();
    down = true;
    await assert.rejects(p.send(msgs('a', 1)), (e: unknown) => (e as { retriable?: boolean }).retriable === true);
    await assert.rejects(p.send(msgs('a', 1)), (e: unknown) => (e as { retriable?: boolean }).retriable === true);
    assert.equal(p.isConnected, false, 'the renewed producer could not connect');
    await assert.rejects(p.send(msgs('a', 1)), /reconnecting/);
    down = false;
    const since = Date.now();
    while (!p.isConnected && Date.now() - since < 5_000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(p.isConnected, true, 'connected again with no send to trigger it');
    await p.send(msgs('a', 1));
    await p.disconnect();
    assert.ok(connects >= 3);
  });

  it('stops reconnecting when disconnected', async () => {
    let connects = 0;
    const kafka = {
      producer: () => ({
        events: { CONNECT: 'connect', DISCONNECT: 'disconnect' },
        on: () => undefined,
        connect: () => (connects++ === 0 ? Promise.resolve() : Promise.reject(Object.assign(new Error('ECONNREFUSED'), { name: 'KafkaJSConnectionError' }))),
        disconnect: () => Promise.resolve(),
        sendBatch: () => Promise.reject(Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' })),
      }),
    } as unknown as Kafka;
    const p = new KafkaProducer(kafka, { maxQueuedMessages: 100, ackTimeoutMs: 10_000 });
    await p.connect();
    await assert.rejects(p.send(msgs('a', 1)));
    await assert.rejects(p.send(msgs('a', 1)));
    await p.disconnect();
    const after = connects;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(connects, after, 'no connect attempt after disconnect()');
  });
});
