import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { dlqHeaders } from '@streamcell/events';
import { KafkaConnection, silentLogger, type KafkaProducer } from '@streamcell/kafka';
import { testConfig, TopicReader, uniqueName, waitFor } from '@streamcell/testing';
import { createIngestApp } from '../src/app.factory';
import { ingestSchema, type IngestConfig } from '../src/config';

const width = 3;

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${url}/v1/events`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: res.headers };
}

describe('ingest against a real broker', () => {
  let app: NestFastifyApplication;
  let url: string;
  let config: IngestConfig;
  let events: TopicReader;
  let dlq: TopicReader;

  before(async () => {
    const id = uniqueName('ingest');
    config = testConfig(ingestSchema, {
      INGEST_PORT: '0',
      INGEST_HOST: '127.0.0.1',
      INPUT_WIDTH: String(width),
      TOPIC_EVENTS: `${id}.events`,
      TOPIC_EVENTS_RAW: `${id}.raw`,
      TOPIC_EVENTS_DLQ: `${id}.dlq`,
      EVENTS_PARTITIONS: '4',
      INGEST_RAW_GROUP_ID: `${id}-raw`,
      INGEST_RAW_STREAM_FIELD: 'device.id',
      INGEST_RAW_TS_FIELD: 'time',
      INGEST_RAW_VALUE_FIELDS: 'temp,rpm,load',
      INGEST_MAX_BATCH_EVENTS: '50',
      INGEST_MAX_BODY_BYTES: '65536',
    });
    app = await createIngestApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.getUrl();
    await waitFor('ingest ready', async () => (await fetch(`${url}/health`)).status === 200);
    events = await new TopicReader(config, config.events).start();
    dlq = await new TopicReader(config, config.eventsDlq).start();
  });

  after(async () => {
    await events.stop();
    await dlq.stop();
    await app.close();
  });

  it('writes accepted events to events, keyed by stream, in canonical form', async () => {
    const ts = Date.now() - 1000;
    const one = await post(url, JSON.stringify({ stream: 'pump-1', ts, values: [1, 2.5, -3] }));
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, { accepted: 1, rejected: [] });
    const many = await post(url, JSON.stringify([1, 2, 3].map((i) => ({ stream: `pump-${i}`, ts: ts + i, values: [i, i, i], extra: 'ignored' }))));
    assert.equal(many.status, 200);
    assert.deepEqual(many.json, { accepted: 3, rejected: [] });

    const got = await events.waitForCount(4);
    const byStream = got.map((m) => ({ key: m.key?.toString(), value: JSON.parse(m.value!.toString()) as unknown }));
    assert.deepEqual(
      byStream.find((m) => m.key === 'pump-1' && (m.value as { ts: number }).ts === ts),
      { key: 'pump-1', value: { stream: 'pump-1', ts, values: [1, 2.5, -3] } },
    );
    for (const i of [2, 3]) {
      assert.deepEqual(byStream.find((m) => m.key === `pump-${i}`)?.value, { stream: `pump-${i}`, ts: ts + i, values: [i, i, i] });
    }
    // Same key, same partition: per-stream order holds downstream.
    const partitions = new Set(got.filter((m) => m.key?.toString() === 'pump-1').map((m) => m.partition));
    assert.equal(partitions.size, 1);
  });

  it('answers 4xx for every kind of bad input and dead-letters it with the reason', async () => {
    const now = Date.now();
    const bad: [string, string, number, string][] = [
      ['malformed json', '{"stream": "x", "values": [1,2', 400, 'malformed_json'],
      ['top-level number', '42', 400, 'not_an_object'],
      ['array of non-objects', '["x"]', 422, 'not_an_object'],
      ['missing stream', JSON.stringify({ values: [1, 2, 3] }), 422, 'stream_missing'],
      ['long stream', JSON.stringify({ stream: 'x'.repeat(200), values: [1, 2, 3] }), 422, 'stream_too_long'],
      ['bad charset', JSON.stringify({ stream: 'a b', values: [1, 2, 3] }), 422, 'stream_charset'],
      ['bad ts', JSON.stringify({ stream: 's', ts: 'soon', values: [1, 2, 3] }), 422, 'ts_invalid'],
      ['skewed ts', JSON.stringify({ stream: 's', ts: now + 3_600_000, values: [1, 2, 3] }), 422, 'ts_skew'],
      ['no values', JSON.stringify({ stream: 's' }), 422, 'values_missing'],
      ['wrong width', JSON.stringify({ stream: 's', values: [1, 2] }), 422, 'values_width'],
      ['non-finite', JSON.stringify({ stream: 's', values: [1, 'NaN', 3] }), 422, 'values_not_finite'],
      // A finite double the model's float32 cannot hold: it used to be accepted and poison the stream.
      ['beyond float32', JSON.stringify({ stream: 's', values: [-1.7e308, 0, 0] }), 422, 'values_not_finite'],
      // Nested 5,000 levels: describing it used to overflow the stack (500, nothing kept).
      ['deeply nested', `{"stream":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)},"values":[1,2,3]}`, 422, 'stream_charset'],
    ];
    for (const [name, body, status, reason] of bad) {
      const res = await post(url, body);
      assert.equal(res.status, status, `${name}: status`);
      const reported = (res.json.error as string | undefined) ?? (res.json.rejected as { reason: string }[] | undefined)?.[0]?.reason;
      assert.equal(reported, reason, `${name}: reason in answer`);
    }
    const dead = await dlq.waitForCount(bad.length);
    const reasons = dead.map((m) => m.headers[dlqHeaders.reason]).sort();
    assert.deepEqual(reasons, bad.map(([, , , r]) => r).sort());
    const malformed = dead.find((m) => m.headers[dlqHeaders.reason] === 'malformed_json');
    assert.equal(malformed?.value?.toString(), '{"stream": "x", "values": [1,2', 'the rejected bytes are kept as they came');
    assert.match(malformed?.headers[dlqHeaders.detail] ?? '', /not valid JSON/);
    assert.equal(malformed?.headers[dlqHeaders.source], 'http');
  });

  it('answers 207 for a mixed array: the valid events are kept, the rest dead-lettered with their index', async () => {
    const before = dlq.messages.length;
    const res = await post(url, JSON.stringify([{ stream: 'mixed-ok', values: [1, 2, 3] }, { stream: 'mixed-bad', values: [1] }]));
    assert.equal(res.status, 207);
    assert.equal(res.json.accepted, 1);
    assert.deepEqual(res.json.rejected, [{ index: 1, reason: 'values_width', detail: 'values has 1 entries, exactly 3 required' }]);
    await waitFor('mixed-ok on events', () => events.messages.some((m) => m.key?.toString() === 'mixed-ok'));
    const dead = await waitFor('dead letter', () => dlq.messages.slice(before).find((m) => m.key?.toString() === 'mixed-bad'));
    assert.equal(dead.headers[dlqHeaders.index], '1');
    assert.deepEqual(JSON.parse(dead.value!.toString()), { stream: 'mixed-bad', values: [1] });
  });

  it('dead-letters array items as the bytes that came: a 5,000-deep item and 1e400 (no 500)', async () => {
    const before = dlq.messages.length;
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const big = '{"stream": "big-1", "values": [1, 1e400, 3]}';
    const res = await post(url, `[{"stream":"deep-ok","values":[1,2,3]}, ${deep},\n  ${big}\n]`);
    assert.equal(res.status, 207);
    const rejected = res.json.rejected as { index: number; reason: string; detail: string }[];
    assert.deepEqual(rejected.map((r) => [r.index, r.reason]), [[1, 'not_an_object'], [2, 'values_not_finite']]);
    assert.match(rejected[1].detail, /values\[1\] is Infinity/);
    await waitFor('deep-ok on events', () => events.messages.some((m) => m.key?.toString() === 'deep-ok'));
    const dead = await waitFor('both dead-lettered', () => (dlq.messages.length >= before + 2 ? dlq.messages.slice(before) : undefined));
    assert.equal(dead.find((m) => m.headers[dlqHeaders.index] === '1')?.value?.toString(), deep);
    assert.equal(dead.find((m) => m.headers[dlqHeaders.index] === '2')?.value?.toString(), big, '1e400 kept as sent, not re-serialised to null');
  });

  it('answers 415 for a missing or form content type', async () => {
    const body = Buffer.from(JSON.stringify({ stream: 's', values: [1, 2, 3] }));
    // A Buffer body: fetch sends no content type of its own.
    const none = await fetch(`${url}/v1/events`, { method: 'POST', body });
    assert.equal(none.status, 415);
    const form = await fetch(`${url}/v1/events`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 415);
    // A compressed body is refused as such, not read as malformed JSON and dead-lettered.
    const gzip = await fetch(`${url}/v1/events`, { method: 'POST', body: gzipSync(body), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    assert.equal(gzip.status, 415);
    assert.match(await gzip.text(), /Content-Encoding \\"gzip\\" is not supported/);
  });

  it('refuses oversized bodies and batches with 413 and keeps nothing', async () => {
    const tooMany = JSON.stringify(Array.from({ length: 51 }, () => ({ stream: 's', values: [1, 2, 3] })));
    const a = await post(url, tooMany);
    assert.equal(a.status, 413);
    assert.equal(a.json.error, 'batch_too_large');
    const huge = JSON.stringify({ stream: 's', values: [1, 2, 3], pad: 'x'.repeat(70_000) });
    const b = await post(url, huge);
    assert.equal(b.status, 413);
  });

  it('forwards events.raw with the configured field mapping and dead-letters unreadable records', async () => {
    const connection = new KafkaConnection(config, silentLogger);
    const producer: KafkaProducer = connection.producer({ maxQueuedMessages: 1000, ackTimeoutMs: 10_000 });
    await producer.connect();
    try {
      const ts = Date.now();
      await producer.send([
        {
          topic: config.eventsRaw,
          messages: [
            { key: 'ignored', value: JSON.stringify({ device: { id: 'raw-1' }, time: ts, temp: 20.5, rpm: 1500, load: 0.7 }) },
            { key: 'raw-from-key', value: JSON.stringify({ time: ts, temp: 1, rpm: 2, load: 3 }) },
            { key: 'raw-bad', value: 'not json' },
            { key: 'raw-short', value: JSON.stringify({ device: { id: 'raw-short' }, temp: 1 }) },
          ],
        },
      ]);
      const fromRaw1 = await waitFor('raw-1 forwarded', () => events.messages.find((m) => m.key?.toString() === 'raw-1'));
      assert.deepEqual(JSON.parse(fromRaw1.value!.toString()), { stream: 'raw-1', ts, values: [20.5, 1500, 0.7] });
      await waitFor('raw-from-key forwarded', () => events.messages.find((m) => m.key?.toString() === 'raw-from-key'));
      const bad = await waitFor('raw-bad dead-lettered', () => dlq.messages.find((m) => m.key?.toString() === 'raw-bad'));
      assert.equal(bad.headers[dlqHeaders.reason], 'malformed_json');
      assert.match(bad.headers[dlqHeaders.origin] ?? '', new RegExp(`^${config.eventsRaw.replace(/\./g, '\\.')}/\\d+/\\d+$`));
      const short = await waitFor('raw-short dead-lettered', () => dlq.messages.find((m) => m.key?.toString() === 'raw-short'));
      assert.equal(short.headers[dlqHeaders.reason], 'values_not_finite');
    } finally {
      await producer.disconnect();
    }
  });

  it('serves Prometheus metrics for accepted and rejected events', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /streamcell_ingest_events_accepted_total\{source="http",service="ingest"\} [1-9]/);
    assert.match(text, /streamcell_ingest_events_rejected_total\{source="http",reason="values_width",service="ingest"\} [1-9]/);
    assert.match(text, /streamcell_ingest_request_duration_seconds_bucket\{le="[^"]+",service="ingest",status="200"\}/);
    assert.match(text, /streamcell_ingest_produce_duration_seconds_count\{service="ingest"\} [1-9]/);
    assert.match(text, /streamcell_ingest_requests_in_flight\{service="ingest"\} 0/);
  });
});

describe('ingest HTTP time bounds', () => {
  /** Opens a raw connection that sends `head` then one byte every 100 ms; resolves when the server closes it. */
  function trickle(url: string, head: string, drip: string): { closed: () => { afterMs: number; reply: string } | undefined; stop: () => void } {
    const { hostname, port } = new URL(url);
    const started = Date.now();
    let reply = '';
    let closedAt: number | undefined;
    const socket = connect(Number(port), hostname, () => socket.write(head));
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => (closedAt = Date.now()));
    const timer = setInterval(() => {
      if (closedAt === undefined && socket.writable) socket.write(drip);
    }, 100);
    return {
      closed: () => (closedAt === undefined ? undefined : { afterMs: closedAt - started, reply }),
      stop: () => {
        clearInterval(timer);
        socket.destroy();
      },
    };
  }

  it('closes a connection whose body or headers arrive too slowly', async () => {
    const id = uniqueName('ingest-slow');
    const config = testConfig(ingestSchema, {
      INPUT_WIDTH: '1',
      TOPIC_EVENTS: `${id}.events`,
      TOPIC_EVENTS_RAW: `${id}.raw`,
      TOPIC_EVENTS_DLQ: `${id}.dlq`,
      EVENTS_PARTITIONS: '1',
      INGEST_RAW_ENABLED: 'false',
      INGEST_HEADERS_TIMEOUT_MS: '1000',
      INGEST_REQUEST_TIMEOUT_MS: '1500',
    });
    const app = await createIngestApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.getUrl();
    const slowBody = trickle(url, 'POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[', ' ');
    const slowHeaders = trickle(url, 'POST /v1/events HTTP/1.1\r\nHost: x\r\n', 'X');
    try {
      // Before the fix the body trickled on for as long as the client liked (30 s test: never closed).
      const body = await waitFor('slow body closed', slowBody.closed, { timeoutMs: 10_000 });
      assert.ok(body.afterMs < 1500 + 5000, `closed after ${body.afterMs} ms`);
      assert.match(body.reply, /^HTTP\/1\.1 408/);
      const headers = await waitFor('slow headers closed', slowHeaders.closed, { timeoutMs: 10_000 });
      assert.ok(headers.afterMs < 1000 + 5000, `closed after ${headers.afterMs} ms`);
    } finally {
      slowBody.stop();
      slowHeaders.stop();
      await app.close();
    }
  });
});

describe('ingest API keys', () => {
  it('answers 401 without a valid key and 200 with one', async () => {
    const id = uniqueName('ingest-auth');
    const config = testConfig(ingestSchema, {
      INPUT_WIDTH: '1',
      TOPIC_EVENTS: `${id}.events`,
      TOPIC_EVENTS_RAW: `${id}.raw`,
      TOPIC_EVENTS_DLQ: `${id}.dlq`,
      EVENTS_PARTITIONS: '1',
      INGEST_RAW_ENABLED: 'false',
      INGEST_API_KEYS: 'k-one,k-two',
    });
    const app = await createIngestApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.getUrl();
    try {
      await waitFor('ready', async () => (await fetch(`${url}/health`)).status === 200);
      const body = JSON.stringify({ stream: 's', values: [1] });
      // Right after its topics are created a partition may have no leader yet: 503 + Retry-After,
      // which a client retries. Writable first, so what follows judges the keys alone.
      await waitFor('writable', async () => (await post(url, body, { 'x-api-key': 'k-one' })).status === 200);
      assert.equal((await post(url, body)).status, 401);
      assert.equal((await post(url, body, { 'x-api-key': 'wrong' })).status, 401);
      assert.equal((await post(url, body, { 'x-api-key': 'k-two' })).status, 200);
      assert.equal((await post(url, body, { authorization: 'Bearer k-one' })).status, 200);
      assert.equal((await post(url, body, { authorization: 'bearer k-one' })).status, 200, 'the scheme is case-insensitive');
      assert.equal((await post(url, body, { authorization: 'Basic k-one' })).status, 401);
    } finally {
      await app.close();
    }
  });
});
