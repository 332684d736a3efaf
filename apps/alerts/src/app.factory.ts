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
  const stopping = app.get(Stopping);
  // The server is made here, not by Nest from options, so that its consumer is followed from the
  // moment it exists, and a crashed one can be run again.
  const server = new FollowedServerKafka(kafkaTransportOptions(config, logger, new AlertDeserializer()).options ?? {}, (consumer) =>
    status.follow(
      consumer,
      async () => {
        logger.info('restarting the alerts consumer after a crash kafkajs does not restart');
        await consumer.connect();
        await server.bindEvents(consumer);
      },
      () => stopping.signal.aborted,
    ),
  );
  const microservice = app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  microservice.status.subscribe((s) => status.set(s));
  return app;
}

/**
 * ServerKafka that hands each consumer it creates to `onConsumer` before connecting it. Followed
 * only once listen() resolved, a crash of the first group join (GroupCoordinatorNotFound while a
 * broker restarts) had already happened unseen: nothing restarted the consumer, readiness stayed
 * down and liveness up, so no alert was consumed until someone restarted the pod.
 */
class FollowedServerKafka extends ServerKafka {
  constructor(
    options: ConstructorParameters<typeof ServerKafka>[0],
    private readonly onConsumer: (consumer: Consumer) => void,
  ) {
    super(options);
  }

  protected override registerConsumerEventListeners(): void {
    super.registerConsumerEventListeners();
    if (this.consumer !== null) this.onConsumer(this.consumer);
  }
}

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
  logger.info('delivering alerts', { topic: config.alerts, groupId: config.groupId, dlq: config.alertsDlq });
}
