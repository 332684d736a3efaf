/**
 * bench:ingest — events/s accepted end-to-end (HTTP POST of 100-event arrays -> validated ->
 * acknowledged by Kafka, acks=all) against, in the same run and on the same broker, a bare kafkajs
 * producer sending the same events in the same batch sizes with the same concurrency: the I/O
 * ceiling ingest is measured against. Prints JSON lines; the last one is the summary.
 *
 * Env: KAFKA_BROKERS (else a local broker is started), BENCH_SECONDS (default 10),
 * BENCH_CONNECTIONS (default 16). `--small` (or BENCH_SMALL=1): 1 s per phase after a 1 s warm-up,
 * 4 connections, a smoke run for `npm test`.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
// The baseline is the bare library by definition, so this file alone outside libs/kafka uses it.
// eslint-disable-next-line no-restricted-imports
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { benchBroker, emit } from './broker';
import { benchNumber } from './small';

const seconds = benchNumber('BENCH_SECONDS', 10, 1);
const warmUpSeconds = Math.min(2, seconds);
const connections = benchNumber('BENCH_CONNECTIONS', 16, 4);
const batchSize = 100;
const width = 8;
const streams = 1000;

function makeBatches(count: number): { json: string[]; events: { stream: string; ts: number; values: number[] }[][] } {
  const events: { stream: string; ts: number; values: number[] }[][] = [];
  let n = 0;
  for (let b = 0; b < count; b++) {
    const batch = [];
    for (let i = 0; i < batchSize; i++, n++) {
      batch.push({ stream: `sensor-${n % streams}`, ts: Date.now(), values: Array.from({ length: width }, () => Math.round(Math.random() * 1e4) / 1e3) });
    }
    events.push(batch);
  }
  return { json: events.map((e) => JSON.stringify(e)), events };
}

async function startIngest(brokers: string, topicPrefix: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', resolve(__dirname, '../register.cjs'), resolve(__dirname, '../../apps/ingest/src/main.ts')], {
    env: {
      ...process.env,
      KAFKA_BROKERS: brokers,
      INGEST_PORT: String(port),
      INGEST_HOST: '127.0.0.1',
      INPUT_WIDTH: String(width),
      TOPIC_EVENTS: `${topicPrefix}.events`,
      TOPIC_EVENTS_RAW: `${topicPrefix}.raw`,
      TOPIC_EVENTS_DLQ: `${topicPrefix}.dlq`,
      INGEST_RAW_ENABLED: 'false',
      INGEST_MAX_QUEUED_EVENTS: '200000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error('ingest did not become ready');
}

async function benchHttp(port: number, bodies: string[], duration: number): Promise<{ eventsPerSec: number; p99Ms: number; non2xx: number }> {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/events`,
    method: 'POST',
    connections,
    pipelining: 1,
    duration,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
  });
  const ok = result['2xx'];
  return { eventsPerSec: (ok * batchSize) / duration, p99Ms: result.latency.p99, non2xx: result.non2xx };
}

async function benchBareProducer(brokers: string, topic: string, batches: { stream: string; ts: number; values: number[] }[][], duration: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-baseline', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  // Same work per batch as ingest does before producing: serialise each event with its key.
  const encoded = batches.map((b) => b.map((e) => ({ key: e.stream, value: JSON.stringify(e) })));
  let sent = 0;
  let i = 0;
  const end = Date.now() + duration * 1000;
  const worker = async (): Promise<void> => {
    while (Date.now() < end) {
      await producer.send({ topic, acks: -1, messages: encoded[i++ % encoded.length] });
      sent += batchSize;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (Date.now() - t0) / 1000;
  await producer.disconnect();
  return sent / elapsed;
}

async function main(): Promise<void> {
  const broker = benchBroker();
  const prefix = `bench-${Date.now().toString(36)}`;
  const port = 18000 + Math.floor(Math.random() * 1000);
  let ingest: ChildProcess | undefined;
  try {
    const { json, events } = makeBatches(200);
    ingest = await startIngest(broker.brokers, prefix, port);
    await benchHttp(port, json, warmUpSeconds); // warm-up: JIT, connections, topic metadata
    const http = await benchHttp(port, json, seconds);
    emit({ bench: 'ingest.http', eventsPerSec: Math.round(http.eventsPerSec), p99Ms: http.p99Ms, non2xx: http.non2xx, connections, batchSize });
    ingest.kill('SIGTERM');
    ingest = undefined;

    // Same broker, same topic layout (the topic ingest created), same batches and concurrency.
    await benchBareProducer(broker.brokers, `${prefix}.events`, events, warmUpSeconds);
    const baseline = await benchBareProducer(broker.brokers, `${prefix}.events`, events, seconds);
    emit({ bench: 'ingest.baseline', eventsPerSec: Math.round(baseline), connections, batchSize });
    emit({
      bench: 'ingest',
      eventsPerSec: Math.round(http.eventsPerSec),
      baselineEventsPerSec: Math.round(baseline),
      ratio: Math.round((http.eventsPerSec / baseline) * 1000) / 1000,
    });
  } finally {
    ingest?.kill('SIGKILL');
    broker.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:ingest failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
