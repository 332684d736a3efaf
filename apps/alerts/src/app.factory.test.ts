import 'reflect-metadata';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ServerKafka } from '@nestjs/microservices';
import { JsonLogger } from '@streamcell/observability';
import { createAlertsApp, startConsuming } from './app.factory';
import { loadAlertsConfig } from './config';

type Listener = (event: { payload: unknown }) => void;

/**
 * A kafkajs client whose consumer's first run() fails to join as kafkajs does during a broker
 * restart: it reports CRASH (GroupCoordinatorNotFound, which kafkajs does not restart from) and
 * resolves all the same. Later runs join.
 */
function flakyFirstJoin(): { client: unknown; connects: () => number } {
  const listeners = new Map<string, Listener[]>();
  const emit = (name: string, payload: unknown = {}): void => listeners.get(name)?.forEach((l) => l({ payload }));
  const events = { CONNECT: 'c.connect', DISCONNECT: 'c.disconnect', REBALANCING: 'c.rebalancing', STOP: 'c.stop', CRASH: 'c.crash', GROUP_JOIN: 'c.group_join' };
  let connects = 0;
  let runs = 0;
  const consumer = {
    events,
    on: (name: string, l: Listener) => listeners.set(name, [...(listeners.get(name) ?? []), l]),
    connect: () => (connects++, emit(events.CONNECT), Promise.resolve()),
    subscribe: () => Promise.resolve(),
    run: () => {
      runs += 1;
      if (runs > 1) emit(events.GROUP_JOIN);
      else {
        emit(events.DISCONNECT);
        emit(events.CRASH, { error: Object.assign(new Error('Failed to find group coordinator'), { name: 'KafkaJSGroupCoordinatorNotFound' }), restart: false });
      }
      return Promise.resolve();
    },
    disconnect: () => (emit(events.DISCONNECT), Promise.resolve()),
  };
  const producer = { events: { CONNECT: 'p.connect', DISCONNECT: 'p.disconnect' }, on: () => undefined, connect: () => Promise.resolve(), disconnect: () => Promise.resolve() };
  return { client: { consumer: () => consumer, producer: () => producer }, connects: () => connects };
}

it('restarts a consumer whose first group join crashed during start-up, and becomes ready', async () => {
  const fake = flakyFirstJoin();
  (ServerKafka.prototype as unknown as { createClient: () => unknown }).createClient = () => fake.client;
  const config = loadAlertsConfig({ KAFKA_BROKERS: '127.0.0.1:1', ALERTS_CREATE_TOPICS: 'false', ALERTS_WEBHOOK_URLS: 'http://127.0.0.1:1/hook', ALERTS_WEBHOOK_SECRET: 's'.repeat(32) });
  const logger = new JsonLogger('alerts', 'error', () => undefined);
  const app = await createAlertsApp(config, logger);
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await startConsuming(app, config, logger);
    const url = await app.getUrl();
    const deadline = Date.now() + 10_000;
    while ((await fetch(`${url}/health/ready`)).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await fetch(`${url}/health/ready`)).status, 200, 'ready once the restarted consumer joined');
    assert.equal(fake.connects(), 2, 'connected again after the crash');
  } finally {
    await app.close();
  }
});
