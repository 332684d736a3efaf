import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@streamcell/config';
import { DedicatedBroker, TopicReader, uniqueName, waitFor } from '@streamcell/testing';
import { createIngestApp } from '../src/app.factory';
import { ingestSchema, type IngestConfig } from '../src/config';

/**
 * The broker goes away mid-load: ingest must answer 503 with Retry-After (never 2xx for something
 * it then loses), report not-ready, and recover by itself when the broker is back. Every event
 * that got a 2xx must be on `events` after the restart.
 */
describe('ingest when Kafka goes away', () => {
  const broker = new DedicatedBroker(Number(process.env.STREAMCELL_OUTAGE_BROKER_PORT ?? 29192));
  let app: NestFastifyApplication;
  let url: string;
  let config: IngestConfig;

  before(async () => {
    await broker.start();
    const id = uniqueName('outage');
    config = loadConfig(ingestSchema, {
      KAFKA_BROKERS: broker.address,
      KAFKA_CONNECTION_TIMEOUT_MS: '500',
      KAFKA_REQUEST_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'error',
      INPUT_WIDTH: '1',
      TOPIC_EVENTS: `${id}.events`,
      TOPIC_EVENTS_RAW: `${id}.raw`,
      TOPIC_EVENTS_DLQ: `${id}.dlq`,
      EVENTS_PARTITIONS: '3',
      INGEST_RAW_ENABLED: 'false',
      INGEST_PRODUCE_TIMEOUT_MS: '1500',
    });
    app = await createIngestApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.getUrl();
    await waitFor('connected', async () => (await fetch(`${url}/health`)).status === 200, { timeoutMs: 60_000 });
  });

  after(async () => {
    await app?.close();
    await broker.stop();
  });

  it('answers 503 while the broker is down and loses no accepted event', async () => {
    const accepted = new Set<number>();
    let seq = 0;
    let unavailable = 0;
    const otherStatuses: string[] = [];
    let sawRetryAfter = false;
    const send = async (): Promise<void> => {
      const ids = [seq++, seq++, seq++];
      const body = JSON.stringify(ids.map((n) => ({ stream: `s-${n % 7}`, values: [n] })));
      const res = await fetch(`${url}/v1/events`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const text = await res.text();
      if (res.status === 200) ids.forEach((n) => accepted.add(n));
      else if (res.status === 503) {
        unavailable += 1;
        sawRetryAfter ||= res.headers.get('retry-after') === String(config.retryAfterSeconds);
      } else otherStatuses.push(`${res.status} ${text}`);
    };
    // Load before, during and after the outage, bounded by time rather than by a request count: a
    // broker's shutdown can outlast any number of fast 200s.
    const load = async (until: () => boolean): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while (!until() && Date.now() < deadline) await send();
    };

    await load(() => accepted.size >= 60);
    const stopping = broker.stop();
    await load(() => unavailable >= 5);
    await stopping;
    assert.ok(unavailable >= 5, 'requests during the outage get 503');
    assert.ok(sawRetryAfter, '503 carries Retry-After');
    // Ready stays 200 (the pod keeps answering 503 + Retry-After behind its Service); /health says Kafka is down.
    assert.equal((await fetch(`${url}/health/ready`)).status, 200, 'still ready while Kafka is down');
    await waitFor('Kafka reported down on /health', async () => (await fetch(`${url}/health`)).status === 503, { timeoutMs: 30_000 });

    await broker.start();
    const before = accepted.size;
    await waitFor('accepting again', async () => {
      await send();
      return accepted.size > before;
    }, { timeoutMs: 90_000, intervalMs: 200 });
    await load(() => accepted.size >= before + 60);
    assert.deepEqual(otherStatuses, [], 'only 200 or 503');

    const reader = await new TopicReader({ ...config, brokers: [broker.address] }, config.events).start();
    try {
      const missing = (): number[] => {
        const seen = new Set(reader.messages.map((m) => (JSON.parse(m.value!.toString()) as { values: number[] }).values[0]));
        return [...accepted].filter((n) => !seen.has(n));
      };
      await waitFor(`all ${accepted.size} accepted events on the topic`, () => missing().length === 0, { timeoutMs: 60_000 }).catch((e: unknown) => {
        throw new Error(`${String(e)}; missing ${missing().length} of ${accepted.size}: ${missing().slice(0, 20).join(',')}; read ${reader.messages.length}`);
      });
    } finally {
      await reader.stop();
    }
  });
});
