import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@streamcell/config';
import { dlqHeaders } from '@streamcell/events';
import { KafkaError, KafkaProducer, type ConsumedMessage } from '@streamcell/kafka';
import { JsonLogger, Metrics } from '@streamcell/observability';
import { ingestSchema } from './config';
import { intakeFromConfig } from './event-intake';
import type { IngestKafka } from './ingest-kafka';
import { IngestMetrics } from './ingest.metrics';
import { RawForwarder } from './raw-forwarder';

/** The kafkajs client KafkaProducer wraps (apps do not import kafkajs). */
type Kafka = ConstructorParameters<typeof KafkaProducer>[0];

const config = loadConfig(ingestSchema, { INPUT_WIDTH: '1', TOPIC_EVENTS: 'ev', TOPIC_EVENTS_DLQ: 'dlq', LOG_LEVEL: 'error' });
/** Kafka's default max.message.bytes, which a broker checks per partition batch. */
const LIMIT = 1_048_588;

interface Written {
  topic: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** kafkajs with a broker that writes each topic's batch on its own and refuses one past LIMIT (framing: 61 + 20 per record). */
function brokerWithLimit(written: Written[]): Kafka {
  type Sent = { topic: string; messages: { value: string | Buffer; headers?: Record<string, string> }[] }[];
  const size = (m: Sent[number]['messages'][number]) => Buffer.byteLength(m.value) + Object.entries(m.headers ?? {}).reduce((h, [k, v]) => h + k.length + v.length + 2, 0) + 20;
  return {
    producer: () => ({
      events: { CONNECT: 'connect', DISCONNECT: 'disconnect' },
      on: () => undefined,
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      sendBatch: ({ topicMessages }: { topicMessages: Sent }) => {
        let failed = false;
        for (const t of topicMessages) {
          if (t.messages.reduce((n, m) => n + size(m), 61) > LIMIT) failed = true;
          else for (const m of t.messages) written.push({ topic: t.topic, value: Buffer.from(m.value), headers: m.headers ?? {} });
        }
        return failed ? Promise.reject(Object.assign(new Error('message too large'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' })) : Promise.resolve();
      },
    }),
  } as unknown as Kafka;
}

async function forwarder(written: Written[]): Promise<(batch: ConsumedMessage[]) => Promise<void>> {
  const producer = new KafkaProducer(brokerWithLimit(written), { maxQueuedMessages: 10_000, ackTimeoutMs: 5000, maxBatchBytes: 512 * 1024 });
  await producer.connect();
  let handler: ((m: ConsumedMessage[]) => Promise<void>) | undefined;
  const kafka = {
    producer,
    whenConnected: () => Promise.resolve(),
    connection: { consumer: () => ({ start: (h: typeof handler) => ((handler = h), Promise.resolve()) }) },
  } as unknown as IngestKafka;
  await new RawForwarder(config, intakeFromConfig(config), kafka, new IngestMetrics(new Metrics('ingest')), new JsonLogger('ingest', 'error', () => undefined)).start();
  return handler!;
}

const record = (offset: number, value: Buffer | string): ConsumedMessage => ({ topic: 'events.raw', partition: 0, offset: String(offset), key: null, value: Buffer.from(value), headers: {}, timestamp: 0 });

describe('RawForwarder', () => {
  it('dead-letters a record too large for events.dlq with its headers, cut, instead of re-reading the batch forever', async () => {
    const written: Written[] = [];
    const forward = await forwarder(written);
    // Fits the raw topic alone (value + framing < LIMIT), not the dead-letter topic with its headers.
    const big = Buffer.from(JSON.stringify({ stream: 'bad', values: ['x'], pad: 'p'.repeat(LIMIT - 61 - 20 - 60) }));
    await forward([record(0, '{"stream":"a","values":[1]}'), record(1, big), record(2, '{"stream":"b","values":[2]}')]);
    assert.deepEqual(written.filter((w) => w.topic === 'ev').map((w) => (JSON.parse(w.value.toString()) as { stream: string }).stream), ['a', 'b'], 'once each');
    const letters = written.filter((w) => w.topic === 'dlq');
    assert.equal(letters.length, 1);
    assert.equal(letters[0].headers[dlqHeaders.truncatedFrom], String(big.length));
    assert.equal(letters[0].headers[dlqHeaders.reason], 'values_not_finite');
    assert.deepEqual(letters[0].value, big.subarray(0, 64 * 1024));
  });

  it('writes a batch whose dead letters together pass the limit in several requests, each record whole', async () => {
    const written: Written[] = [];
    const forward = await forwarder(written);
    const bad = (i: number) => JSON.stringify({ stream: `s${i}`, values: ['x'], pad: 'p'.repeat(200_000) });
    await forward(Array.from({ length: 8 }, (_, i) => record(i, bad(i))));
    const letters = written.filter((w) => w.topic === 'dlq');
    assert.deepEqual(letters.map((w) => w.value.toString()), Array.from({ length: 8 }, (_, i) => bad(i)), 'all, in order, as they came');
    assert.ok(letters.every((w) => w.headers[dlqHeaders.truncatedFrom] === undefined));
  });

  it("never writes a later part of a fetched batch before an earlier part that failed (a stream's order)", async () => {
    const written: string[] = [];
    let calls = 0;
    // A producer whose first request fails (a broker restart) after a moment, and later ones succeed.
    const producer = {
      inFlight: 0,
      send: async (writes: { topic: string; messages: { value: Buffer }[] }[]) => {
        if (++calls === 1) {
          await new Promise((r) => setTimeout(r, 20));
          throw new KafkaError('leader not available', true);
        }
        for (const w of writes) for (const m of w.messages) if (w.topic === 'ev') written.push(m.value.toString());
      },
    };
    let handler: ((m: ConsumedMessage[]) => Promise<void>) | undefined;
    const ingest = { producer, whenConnected: () => Promise.resolve(), connection: { consumer: () => ({ start: (h: typeof handler) => ((handler = h), Promise.resolve()) }) } } as unknown as IngestKafka;
    await new RawForwarder(config, intakeFromConfig(config), ingest, new IngestMetrics(new Metrics('ingest')), new JsonLogger('ingest', 'error', () => undefined)).start();
    // One stream, 12,000 events (~0.8 MB as written): two groups of up to 512 KiB.
    const t0 = Date.now() - 60_000;
    const batch = Array.from({ length: 12_000 }, (_, i) => record(i, JSON.stringify({ stream: 'one', ts: t0 + i, values: [i] })));
    await assert.rejects(handler!(batch), 'the batch is to be re-read');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(written.length, 0, 'nothing of it written after the failed first part');
    await handler!(batch); // the re-read
    assert.deepEqual(written.map((v) => (JSON.parse(v) as { ts: number }).ts), batch.map((_, i) => t0 + i));
  });
});

