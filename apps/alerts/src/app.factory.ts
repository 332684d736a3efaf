import { ServerKafka } from '@nestjs/microservices';
import type { Consumer } from '@nestjs/microservices/external/kafka.interface';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { alertTopics } from '@streamcell/events';
import { KafkaConnection, retryRetriable, startupRetryLog } from '@streamcell/kafka';
import { JsonLogger } from '@streamcell/observability';
import { createHttpApp } from '@streamcell/service';
import { AlertDeserializer } from './alert-deserializer';
import { AlertsModule } from './alerts.module';
import type { AlertsConfig } from './config';
import { kafkaTransportOptions } from './kafka-transport';
import { Stopping } from './stopping';
import { TransportStatus } from './transport-status';

/**
 * Builds (but does not start) the alerts service: a hybrid Nest application, HTTP for health and
 * metrics, plus the Kafka microservice that consumes `alerts`. Used by main.ts and by tests.
 */
export async function createAlertsApp(config: AlertsConfig, logger = new JsonLogger('alerts', config.logLevel)): Promise<NestFastifyApplication> {
  const status = new TransportStatus();
  const app = await createHttpApp(AlertsModule.forRoot(config, logger, status), logger);
  // The server is made here, not by Nest from options, so that a crashed consumer can be run again (startConsuming).
  const server = new ServerKafka(kafkaTransportOptions(config, logger, new AlertDeserializer()).options ?? {});
  servers.set(app, server);
  const microservice = app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  microservice.status.subscribe((s) => status.set(s));
  return app;
}

const servers = new WeakMap<NestFastifyApplication, ServerKafka>();

/**
 * Creates the topics when missing (retrying while Kafka is unreachable), then starts consuming.
 * The HTTP server is up before this, so health answers while Kafka is away.
 */
export async function startConsuming(app: NestFastifyApplication, config: AlertsConfig, logger: JsonLogger): Promise<void> {
  if (config.createTopics) {
    const admin = new KafkaConnection(config, logger, 'alerts-admin').admin();
    try {
      await retryRetriable(() => admin.ensureTopics(alertTopics(config)), {
        context: 'create alert topics',
        onRetry: startupRetryLog(logger, 'Kafka not reachable yet, retrying'),
      });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  await app.startAllMicroservices();
  const status = app.get(TransportStatus);
  const server = servers.get(app);
  if (server === undefined) throw new Error('startConsuming needs an app made by createAlertsApp');
  // [client, consumer, producer] (ServerKafka.unwrap), available once it listens.
  const [, consumer] = server.unwrap<[unknown, Consumer, unknown]>();
  const stopping = app.get(Stopping);
  status.follow(
    consumer,
    async () => {
      logger.info('restarting the alerts consumer after a crash kafkajs does not restart');
      await consumer.connect();
      await server.bindEvents(consumer);
    },
    () => stopping.signal.aborted,
  );
  logger.info('delivering alerts', { topic: config.alerts, groupId: config.groupId, dlq: config.alertsDlq });
}
