import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DedicatedBroker, LocalAlertmanager, waitFor } from '@streamcell/testing';
import { alertsProducer, alertsTestConfig, anomaly, startAlertsService } from './support';

interface Health {
  status: string;
  details: Record<string, { status: string; message?: string }>;
}

/**
 * The broker restarts under the running service. Readiness says why it is down (the crash kafkajs
 * restarts from), comes back by itself (not only with a new pod), and alerts written after the
 * restart are delivered.
 */
describe('alerts service across a broker restart', () => {
  const broker = new DedicatedBroker(Number(process.env.STREAMCELL_ALERTS_RESTART_BROKER_PORT ?? 29202));
  let alertmanager: LocalAlertmanager;
  let app: NestFastifyApplication | undefined;

  before(async () => {
    alertmanager = await LocalAlertmanager.start();
    await broker.start();
  });

  after(async () => {
    await app?.close();
    await broker.stop();
    await alertmanager?.close();
  });

  it('readiness follows the consumer down and back up, and delivery resumes', async () => {
    const config = alertsTestConfig({
      KAFKA_BROKERS: broker.address,
      KAFKA_REQUEST_TIMEOUT_MS: '2000',
      KAFKA_CONNECTION_TIMEOUT_MS: '500',
      ALERTS_SESSION_TIMEOUT_MS: '6000',
      ALERTS_ALERTMANAGER_URLS: alertmanager.url,
      EVENTS_PARTITIONS: '1',
    });
    const service = await startAlertsService(config);
    app = service.app;
    const health = async (): Promise<Health> => (await (await fetch(`${service.url}/health/ready`)).json()) as Health;
    const { producer, send } = await alertsProducer(config);
    try {
      await send(anomaly('mill-1'));
      await waitFor('delivered before the restart', async () => (await alertmanager.alerts({ stream: 'mill-1' })).length === 1);

      await broker.stop();
      // Down, saying why and that kafkajs restarts it.
      await waitFor(
        'readiness down: restarting after <error>',
        async () => {
          const consumer = (await health()).details.consumer;
          return consumer?.status === 'down' && /restarting after: /.test(consumer.message ?? '');
        },
        { timeoutMs: 90_000, intervalMs: 250 },
      );

      await broker.start();
      await waitFor('ready again', async () => (await health()).status === 'ok', { timeoutMs: 120_000, intervalMs: 250 });
      await waitFor(
        'an alert written after the restart delivered',
        async () => {
          await send(anomaly('mill-2')).catch(() => undefined);
          return (await alertmanager.alerts({ stream: 'mill-2' })).length === 1;
        },
        { timeoutMs: 90_000, intervalMs: 1000 },
      );
      assert.equal((await health()).details.consumer?.status, 'up');
    } finally {
      await producer.disconnect();
    }
  });
});
