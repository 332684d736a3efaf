import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { KafkaConnection, type KafkaProducer } from '@streamcell/kafka';
import { JsonLogger, Metrics, ObservabilityModule, Readiness } from '@streamcell/observability';
import { AlertPipeline } from './alert-pipeline';
import { alertsController } from './alerts.controller';
import { AlertsMetrics } from './alerts.metrics';
import type { AlertsConfig } from './config';
import { KafkaDeadLetters } from './dead-letters';
import { FloodControl } from './flood-control';
import { Stopping } from './stopping';
import { TargetHealth } from './target-health';
import { targetsFromConfig } from './targets/from-config';
import { TransportStatus } from './transport-status';

const DeadLetterProducer = Symbol('DeadLetterProducer');

/**
 * Ready = the Kafka transport is consuming. Targets that are down are reported (`/health` fails)
 * but do not take the instance out: alerts for them go to alerts.dlq, and the others still flow.
 */
@Injectable()
class AlertsLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(DeadLetterProducer) private readonly producer: KafkaProducer,
    @Inject(TransportStatus) status: TransportStatus,
    @Inject(TargetHealth) health: TargetHealth,
    @Inject(Readiness) readiness: Readiness,
  ) {
    readiness.register({
      name: 'consumer',
      check: () => {
        if (!status.consuming) throw new Error(`Kafka transport ${status.value}`);
        return { status: status.value };
      },
    });
    readiness.register({
      name: 'targets',
      required: false,
      check: () => {
        const down = health.downTargets;
        if (down.length > 0) throw new Error(`down (alerts to them are dead-lettered): ${down.join(', ')}`);
        return {};
      },
    });
  }

  /** After the microservice closed (no handler left to dead-letter). */
  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}

@Module({})
export class AlertsModule {
  static forRoot(config: AlertsConfig, logger: JsonLogger, status: TransportStatus): DynamicModule {
    const metrics = new Metrics('alerts');
    const targets = targetsFromConfig(config);
    const floodControl = new FloodControl(config.floodControl, config.floodControlMaxStreams);
    const alertsMetrics = new AlertsMetrics(metrics, targets.map((t) => t.name), () => floodControl.firing(Date.now()));
    const health = new TargetHealth(
      targets.map((t) => t.name),
      (target, up) => alertsMetrics.targetUp.set({ target }, up ? 1 : 0),
    );
    const producer = new KafkaConnection(config, logger, 'alerts').producer({ maxQueuedMessages: 10_000, ackTimeoutMs: config.requestTimeoutMs });
    const pipeline = new AlertPipeline(
      targets,
      floodControl,
      health,
      new KafkaDeadLetters(producer, config.alertsDlq, logger),
      alertsMetrics,
      logger,
      {
        policy: { maxAttempts: config.maxAttempts, initialBackoffMs: config.backoffInitialMs, maxBackoffMs: config.backoffMaxMs },
        resolveAfterMs: config.resolveAfterMs,
        liveViewUrl: config.liveViewUrl,
      },
    );
    return {
      module: AlertsModule,
      imports: [ObservabilityModule.forRoot({ metrics, logger })],
      controllers: [alertsController(config.alerts)],
      providers: [
        { provide: AlertPipeline, useValue: pipeline },
        { provide: TargetHealth, useValue: health },
        { provide: TransportStatus, useValue: status },
        { provide: DeadLetterProducer, useValue: producer },
        Stopping,
        AlertsLifecycle,
      ],
    };
  }
}
