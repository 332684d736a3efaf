import { type DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { brokerCheck, consumerCheck } from '@streamcell/kafka';
import { JsonLogger, Metrics, ObservabilityModule, Readiness } from '@streamcell/observability';
import { TRAINER_CONFIG, type TrainerConfig } from './config';
import { TrainerMetrics } from './trainer.metrics';
import { TrainerService } from './trainer.service';

/**
 * Starts the trainer after the HTTP server is up (it connects in the background, so /health
 * answers while Kafka is unreachable) and stops it on shutdown. Ready = a model version known
 * (found or bootstrapped), training started and the events consumer in its group and fetching.
 * Kafka reachability is reported, not required (a consumer that cannot reach it is not
 * consuming anyway). Every check reads held state: no Kafka round trip inside a probe.
 */
@Injectable()
export class TrainerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(TrainerService) private readonly service: TrainerService,
    @Inject(Readiness) readiness: Readiness,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(TRAINER_CONFIG) config: TrainerConfig,
  ) {
    readiness.register({ name: 'kafka', required: false, check: () => brokerCheck(this.service.brokerStatus) });
    readiness.register({
      name: 'model',
      check: () => {
        const failed = this.service.failedWith;
        if (failed !== undefined) throw failed;
        const head = this.service.trainer.head;
        if (head === null) {
          throw new Error(this.service.phase === 'waiting-for-model' ? `waiting for model ${config.modelName} to be imported` : `starting (${this.service.phase})`);
        }
        if (this.service.phase !== 'training') throw new Error(`starting (${this.service.phase})`);
        return { model: head.name, version: head.version };
      },
    });
    readiness.register({ name: 'consumer', check: () => consumerCheck(this.service.eventsConsumerHealth, { topic: config.events }) });
  }

  onApplicationBootstrap(): void {
    this.service.start().catch((e: unknown) => this.logger.error('trainer failed to start', { error: String(e) }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.service.stop();
  }
}

@Module({})
export class TrainerModule {
  static forRoot(config: TrainerConfig, logger: JsonLogger): DynamicModule {
    const metrics = new Metrics('trainer');
    const trainerMetrics = new TrainerMetrics(metrics);
    return {
      module: TrainerModule,
      imports: [ObservabilityModule.forRoot({ metrics, logger })],
      providers: [
        { provide: TRAINER_CONFIG, useValue: config },
        { provide: TrainerMetrics, useValue: trainerMetrics },
        { provide: TrainerService, useValue: new TrainerService(config, trainerMetrics, logger) },
        TrainerLifecycle,
      ],
    };
  }
}
