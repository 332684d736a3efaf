import { type DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JsonLogger, Metrics, ObservabilityModule, Readiness } from '@streamcell/observability';
import type { InferenceConfig } from './config';
import { registerInferenceChecks } from './inference-checks';
import { InferenceWorker } from './inference-worker';
import { InferenceMetrics } from './inference.metrics';
import { INFERENCE_SERVICE, type InferenceService } from './threads/inference-service';
import { threadCount } from './threads/thread-count';
import { ThreadedInference } from './threads/threaded-inference';

/** Starts the worker after the HTTP server is up (health answers during a slow start) and stops it gracefully on shutdown. */
@Injectable()
class InferenceLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(INFERENCE_SERVICE) private readonly worker: InferenceService,
    @Inject(Readiness) readiness: Readiness,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {
    registerInferenceChecks(readiness, worker);
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
    const threads = threadCount(config.threads, undefined, config);
    // One thread: the worker runs here. More: one worker per thread; this thread serves HTTP.
    const service: InferenceService = threads > 1 ? new ThreadedInference(config, threads, metrics, logger) : new InferenceWorker(config, new InferenceMetrics(metrics), logger);
    return {
      module: InferenceModule,
      imports: [ObservabilityModule.forRoot({ metrics, logger })],
      providers: [{ provide: INFERENCE_SERVICE, useValue: service }, InferenceLifecycle],
    };
  }
}
