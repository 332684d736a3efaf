import { type DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JsonLogger, Metrics, ObservabilityModule, Readiness } from '@streamcell/observability';
import { TRAINER_CONFIG, type TrainerConfig } from './config';
import { TrainerMetrics } from './trainer.metrics';
import { TrainerService } from './trainer.service';

/**
 * Starts the trainer after the HTTP server is up (it connects in the background, so /health
 * answers while Kafka is unreachable) and stops it on shutdown. Ready = Kafka reachable, a model
 * version known (found or bootstrapped), the events consumer running.
 */
@Injectable()
export class TrainerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(TrainerService) private readonly service: TrainerService,
    @Inject(Readiness) readiness: Readiness,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(TRAINER_CONFIG) config: TrainerConfig,
  ) {
    readiness.register({ name: 'kafka', check: async () => ({ brokers: await this.service.kafkaAdmin.ping(2000) }) });
    readiness.register({
      name: 'model',
      check: () => {
        const failed = this.service.failedWith;
        if (failed !== undefined) return Promise.reject(failed);
        const head = this.service.trainer.head;
        if (head === null) {
          const why = this.service.phase === 'waiting-for-model' ? `waiting for model ${config.modelName} to be imported` : `starting (${this.service.phase})`;
          return Promise.reject(new Error(why));
        }
        if (this.service.phase !== 'training') return Promise.reject(new Error(`starting (${this.service.phase})`));
        return Promise.resolve({ model: head.name, version: head.version });
      },
    });
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
