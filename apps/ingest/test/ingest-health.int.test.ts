import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@streamcell/config';
import type { HealthReport } from '@streamcell/observability';
import { DedicatedBroker, uniqueName, waitFor } from '@streamcell/testing';
import { createIngestApp } from '../src/app.factory';
import { ingestSchema, type IngestConfig } from '../src/config';

/**
 * A probe must answer within kubelet's default timeout, 1 s. A check still asking the frozen broker
 * would take the request timeout (2 s here); a tighter budget only catches GC pauses of a busy CI
 * machine.
 */
const PROBE_BUDGET_MS = 1000;

async function probe(url: string, path: string): Promise<{ status: number; body: HealthReport; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as HealthReport;
  return { status: res.status, body, ms: performance.now() - t0 };
}

/**
 * Health as a Kubernetes Service sees it while the broker freezes, goes away and comes back:
 * probes answer at once, ingest stays ready (so clients get 503 + Retry-After, not connection
 * errors), reports what is wrong in the body and on /health, and every check recovers by itself.
 */
describe('ingest health across broker freezes and restarts', () => {
  const broker = new DedicatedBroker(Number(process.env.STREAMCELL_HEALTH_BROKER_PORT ?? 29200));
  let app: NestFastifyApplication;
  let url: string;
  let config: IngestConfig;

  before(async () => {
    await broker.start();
    const id = uniqueName('health');
    config = loadConfig(ingestSchema, {
      KAFKA_BROKERS: broker.address,
      KAFKA_CONNECTION_TIMEOUT_MS: '500',
      KAFKA_REQUEST_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'error',
      INPUT_WIDTH: '1',
      TOPIC_EVENTS: `${id}.events`,
      TOPIC_EVENTS_RAW: `${id}.raw`,
      TOPIC_EVENTS_DLQ: `${id}.dlq`,
      EVENTS_PARTITIONS: '1',
      INGEST_RAW_GROUP_ID: `${id}-raw`,
      INGEST_LIVE_VIEW: 'false',
      INGEST_PRODUCE_TIMEOUT_MS: '1500',
    });
    app = await createIngestApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.getUrl();
    await waitFor('every check up', async () => (await probe(url, '/health')).status === 200, { timeoutMs: 60_000, intervalMs: 200 });
  });

  after(async () => {
    await app?.close();
    await broker.stop();
  });

  it('answers probes at once while the broker is frozen', async () => {
    await broker.pause();
    try {
      // Long enough for any check that still asked Kafka to be caught waiting on it.
      const until = Date.now() + 4000;
      while (Date.now() < until) {
        for (const path of ['/health/ready', '/health', '/health/live']) {
          const { ms, status } = await probe(url, path);
          assert.ok(ms < PROBE_BUDGET_MS, `${path} answered ${status} after ${Math.round(ms)} ms with the broker frozen`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal((await probe(url, '/health/ready')).status, 200, 'still ready: it answers 503 to writes');
    } finally {
      await broker.resume();
    }
    await waitFor('every check up after the freeze', async () => (await probe(url, '/health')).status === 200, { timeoutMs: 90_000, intervalMs: 200 });
  });

  it('stays ready while Kafka is down, says why, answers writes 503 + Retry-After, and recovers after a restart', async () => {
    await broker.stop();
    const down = await waitFor(
      'Kafka and the raw forwarder reported down',
      async () => {
        const r = await probe(url, '/health');
        return r.status === 503 && r.body.error.kafka !== undefined && r.body.error['raw-forwarder'] !== undefined && r;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    assert.match(String(down.body.error['raw-forwarder'].message), /restarting after/);
    const ready = await probe(url, '/health/ready');
    assert.equal(ready.status, 200, 'ready: the pod stays in its Service');
    assert.equal(ready.body.details.kafka.status, 'down', 'readiness body reports Kafka');
    const write = await fetch(`${url}/v1/events`, { method: 'POST', body: JSON.stringify({ stream: 's', values: [1] }), headers: { 'content-type': 'application/json' } });
    assert.equal(write.status, 503);
    assert.equal(write.headers.get('retry-after'), String(config.retryAfterSeconds));

    await broker.start();
    // The whole point of the issue: after a broker restart every check comes back by itself.
    const back = await waitFor('every check up after the restart', async () => {
      const r = await probe(url, '/health');
      return r.status === 200 && r;
    }, { timeoutMs: 120_000, intervalMs: 250 });
    assert.equal(back.body.details['raw-forwarder'].state, 'consuming');
  });
});
