import { type DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import { KafkaConnection } from '@streamcell/kafka';
import { JsonLogger, Metrics, ObservabilityModule, Readiness } from '@streamcell/observability';
import type { InferenceConfig } from './config';

/**
 * The inference service's shell: it boots, serves /health and /metrics and checks that Kafka is
 * reachable. Event processing is not built yet, and readiness says so rather than pretending.
 */
@Injectable()
class InferenceReadiness {
  constructor(@Inject(Readiness) readiness: Readiness, @Inject(KafkaConnection) kafka: KafkaConnection) {
    const admin = kafka.admin();
    readiness.register({ name: 'kafka', check: async () => ({ brokers: await admin.ping(2000) }) });
    readiness.register({
      name: 'processing',
      check: () => Promise.reject(new Error('event processing is not implemented yet')),
    });
  }
}

@Module({})
export class InferenceModule {
  static forRoot(config: InferenceConfig, logger: JsonLogger): DynamicModule {
    return {
      module: InferenceModule,
      imports: [ObservabilityModule.forRoot({ metrics: new Metrics('inference'), logger })],
      providers: [{ provide: KafkaConnection, useValue: new KafkaConnection(config, logger, 'inference') }, InferenceReadiness],
    };
  }
}
