import { type DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JsonLogger, Metrics, ObservabilityModule, Readiness } from '@streamcell/observability';
import type { InferenceConfig } from './config';
import { InferenceWorker } from './inference-worker';
import { InferenceMetrics } from './inference.metrics';

/**
 * Starts the worker after the HTTP server is up (health answers during a slow start) and stops
 * it gracefully on shutdown. Ready = Kafka reachable, a model loaded, and consuming.
 */
@Injectable()
class InferenceLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(InferenceWorker) private readonly worker: InferenceWorker,
    @Inject(Readiness) readiness: Readiness,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {
    readiness.register({ name: 'kafka', check: async () => ({ brokers: await worker.ping() }) });
    readiness.register({
      name: 'model',
      check: () =>
        worker.modelVersion > 0
          ? Promise.resolve({ version: worker.modelVersion })
          : Promise.reject(new Error('no model loaded: waiting for a weights bundle on the model topic')),
    });
    readiness.register({
      name: 'consumer',
      check: () => {
        if (worker.isConsuming) return Promise.resolve({});
        const failed = worker.startError;
        return Promise.reject(failed === undefined ? new Error('not consuming events') : new Error(`start-up failed: ${failed.message}`));
      },
    });
  }

  onApplicationBootstrap(): void {
    this.worker.start().catch((e: unknown) => {
      this.logger.error('inference worker failed to start', { error: String(e) });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}

@Module({})
export class InferenceModule {
  static forRoot(config: InferenceConfig, logger: JsonLogger): DynamicModule {
    const metrics = new Metrics('inference');
    return {
      module: InferenceModule,
      imports: [ObservabilityModule.forRoot({ metrics, logger })],
      providers: [{ provide: InferenceWorker, useValue: new InferenceWorker(config, new InferenceMetrics(metrics), logger) }, InferenceLifecycle],
    };
  }
}
