import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dlqHeaders } from '@streamcell/events';
import { KafkaError, MAX_REQUEST_BYTES, messageBytes, type OutgoingMessage, type TopicMessages } from '@streamcell/kafka';
import { JsonLogger, Metrics } from '@streamcell/observability';
import { loadConfig } from '@streamcell/config';
import { ingestSchema } from './config';
import { intakeFromConfig } from './event-intake';
import { HttpIntakeService, rawItems } from './http-intake.service';
import type { IngestKafka } from './ingest-kafka';
import { IngestMetrics } from './ingest.metrics';

const config = loadConfig(ingestSchema, { INPUT_WIDTH: '3', TOPIC_EVENTS: 'ev', TOPIC_EVENTS_DLQ: 'dlq', LOG_LEVEL: 'error' });

/** The service with a fake Kafka that records what it was asked to write (or fails as told). */
function service(fail?: Error): { svc: HttpIntakeService; writes: TopicMessages[] } {
  const writes: TopicMessages[] = [];
  const kafka = {
    isReady: true,
    producer: {
      inFlight: 0,
      send: (w: readonly TopicMessages[]) => {
        if (fail !== undefined) return Promise.reject(fail);
        writes.push(...w);
        return Promise.resolve();
      },
    },
  } as unknown as IngestKafka;
  const logger = new JsonLogger('ingest', 'error', () => undefined);
  return { svc: new HttpIntakeService(config, intakeFromConfig(config), kafka, new IngestMetrics(new Metrics('ingest')), logger), writes };
}

const dead = (writes: readonly TopicMessages[]): readonly OutgoingMessage[] => writes.find((w) => w.topic === 'dlq')?.messages ?? [];
const text = (v: OutgoingMessage['value']): string => (v === null ? '' : Buffer.from(v).toString('utf8'));

describe('HttpIntakeService', () => {
  it('writes a body of invalid events whose dead letters pass one request in several, each under the limit, and answers 422', async () => {
    const sends: (readonly TopicMessages[])[] = [];
    const kafka = { isReady: true, producer: { inFlight: 0, send: (w: readonly TopicMessages[]) => (sends.push(w), Promise.resolve()) } } as unknown as IngestKafka;
    const svc = new HttpIntakeService(config, intakeFromConfig(config), kafka, new IngestMetrics(new Metrics('ingest')), new JsonLogger('ingest', 'error', () => undefined));
    // 900 events of one value too many, 860 kB: under INGEST_MAX_BODY_BYTES, past 1 MiB with the reason headers.
    const items = Array.from({ length: 900 }, (_, i) => JSON.stringify({ stream: `s${i}`, values: [1, 2, 3, 4], note: 'n'.repeat(900) }));
    const answer = await svc.handle(Buffer.from(`[${items.join(',')}]`), Date.now());
    assert.equal(answer.status, 422);
    assert.ok(sends.length > 1, `${sends.length} requests`);
    for (const send of sends) assert.ok(send.reduce((n, w) => n + w.messages.reduce((b, m) => b + messageBytes(m), 0), 0) <= MAX_REQUEST_BYTES + 2048);
    assert.deepEqual(sends.flat().flatMap((w) => w.messages.map((m) => text(m.value))), items, 'every dead letter, in order, as it came');
  });

  it('cuts the dead letter of an unreadable body too large for the dead-letter topic', async () => {
    const { svc, writes } = service();
    const broken = `{"stream":"x","values":[1,2,3],"pad":"${'p'.repeat(1_040_000)}"`; // no closing brace
    const answer = await svc.handle(Buffer.from(broken), Date.now());
    assert.equal(answer.status, 400);
    const [letter] = dead(writes);
    assert.equal(letter.headers?.[dlqHeaders.reason], 'malformed_json');
    assert.equal(letter.headers?.[dlqHeaders.truncatedFrom], String(broken.length));
  });

  it('cuts a dead letter too large for the dead-letter topic instead of answering 413 for advice nobody can follow', async () => {
    const { svc, writes } = service();
    const huge = JSON.stringify({ stream: 'x', values: [1, 2], pad: 'p'.repeat(1_040_000) });
    const answer = await svc.handle(Buffer.from(huge), Date.now());
    assert.equal(answer.status, 422);
    const [letter] = dead(writes);
    assert.equal(letter.headers?.[dlqHeaders.truncatedFrom], String(huge.length));
    assert.equal(text(letter.value), huge.slice(0, 64 * 1024));
  });

  it('dead-letters an item nested 5,000 levels deep with its bytes and keeps the valid one (no stack overflow)', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const body = Buffer.from(`[{"stream":"ok","values":[1,2,3]}, ${deep} ]`);
    const { svc, writes } = service();
    const answer = await svc.handle(body, Date.now());
    assert.equal(answer.status, 207);
    assert.deepEqual(answer.body.rejected, [{ index: 1, reason: 'not_an_object', detail: 'each event must be a JSON object, got an array' }]);
    assert.equal(writes.find((w) => w.topic === 'ev')?.messages.length, 1);
    assert.equal(text(dead(writes)[0].value), deep);
  });

  it('dead-letters deeply nested fields inside an object with a short detail', async () => {
    const nested = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const body = Buffer.from(`{"stream":${nested},"values":[1,2,3]}`);
    const { svc, writes } = service();
    const answer = await svc.handle(body, Date.now());
    assert.equal(answer.status, 422);
    assert.deepEqual(answer.body.rejected, [{ index: 0, reason: 'stream_charset', detail: 'stream must be a string, got an object' }]);
    assert.equal(text(dead(writes)[0].value), body.toString());
  });

  it('keeps the bytes of a refused array item as they came (1e400 stays 1e400)', async () => {
    const item = '{ "stream": "big",\n  "values": [1, 1e400, 3] }';
    const { svc, writes } = service();
    const answer = await svc.handle(Buffer.from(`[\n  {"stream":"ok","values":[1,2,3]},\n  ${item}\n]`), Date.now());
    assert.equal(answer.status, 207);
    const letter = dead(writes)[0];
    assert.equal(text(letter.value), item);
    assert.equal(letter.headers?.[dlqHeaders.reason], 'values_not_finite');
    assert.match(String(letter.headers?.[dlqHeaders.detail]), /values\[1\] is Infinity/);
  });

  it('refuses a double beyond float32 (it used to poison the stream)', async () => {
    const { svc, writes } = service();
    const answer = await svc.handle(Buffer.from('{"stream":"s","values":[-1.7e308,0,0]}'), Date.now());
    assert.equal(answer.status, 422);
    assert.equal(writes.find((w) => w.topic === 'ev'), undefined);
    assert.equal(dead(writes)[0].headers?.[dlqHeaders.reason], 'values_not_finite');
  });

  it('answers 413, not 500, when Kafka refuses a record as too large', async () => {
    const tooLarge = new KafkaError('produce: too large', false, { cause: { type: 'MESSAGE_TOO_LARGE' } });
    const { svc } = service(tooLarge);
    const answer = await svc.handle(Buffer.from('{"stream":"s","values":[1,2,3]}'), Date.now());
    assert.equal(answer.status, 413);
    assert.equal(answer.body.error, 'record_too_large');
  });
});

describe('rawItems', () => {
  it('slices items out of an array body and gives the whole body for a single event', () => {
    const body = Buffer.from(' [ 1 , {"a":"]"} ] ');
    const of = rawItems(body, true, 2);
    assert.equal(of(0).toString(), '1');
    assert.equal(of(1).toString(), '{"a":"]"}');
    assert.equal(rawItems(body, false, 1)(0), body);
  });
});
