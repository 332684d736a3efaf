import { type DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import { KafkaConnection } from '@streamcell/kafka';
import { JsonLogger, Metrics, ObservabilityModule, Readiness } from '@streamcell/observability';
import type { TrainerConfig } from './config';

/**
 * The trainer service's shell: it boots, serves /health and /metrics and checks that Kafka is
 * reachable. Online training is not built yet, and readiness says so rather than pretending.
 */
@Injectable()
class TrainerReadiness {
  constructor(@Inject(Readiness) readiness: Readiness, @Inject(KafkaConnection) kafka: KafkaConnection) {
    const admin = kafka.admin();
    readiness.register({ name: 'kafka', check: async () => ({ brokers: await admin.ping(2000) }) });
    readiness.register({
      name: 'training',
      check: () => Promise.reject(new Error('online training is not implemented yet')),
    });
  }
}

@Module({})
export class TrainerModule {
  static forRoot(config: TrainerConfig, logger: JsonLogger): DynamicModule {
    return {
      module: TrainerModule,
      imports: [ObservabilityModule.forRoot({ metrics: new Metrics('trainer'), logger })],
      providers: [{ provide: KafkaConnection, useValue: new KafkaConnection(config, logger, 'trainer') }, TrainerReadiness],
    };
  }
}
