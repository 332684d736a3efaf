import { type DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { brokerCheck, consumerCheck } from '@streamcell/kafka';
import { JsonLogger, Metrics, ObservabilityModule, Readiness } from '@streamcell/observability';
import type { InferenceConfig } from './config';
import { InferenceWorker } from './inference-worker';
import { InferenceMetrics } from './inference.metrics';
import { INFERENCE_SERVICE, type InferenceService } from './threads/inference-service';
import { threadCount } from './threads/thread-count';
import { ThreadedInference } from './threads/threaded-inference';

/**
 * Starts the worker after the HTTP server is up (health answers during a slow start) and stops
 * it gracefully on shutdown. Ready = a model loaded and the events consumer in its group and
 * fetching: inference serves no requests, so readiness says whether this worker does its job
 * (rollouts wait for it). Kafka reachability is reported alongside, not required: a consumer that
 * cannot reach Kafka is already not consuming. Every check reads held state (no Kafka round trip).
 */
@Injectable()
class InferenceLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(INFERENCE_SERVICE) private readonly worker: InferenceService,
    @Inject(Readiness) readiness: Readiness,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {
    readiness.register({ name: 'kafka', required: false, check: () => brokerCheck(worker.brokerStatus) });
    readiness.register({
      name: 'model',
      check: () => {
        if (worker.modelVersion > 0) return { version: worker.modelVersion };
        throw new Error('no model loaded: waiting for a weights bundle on the model topic');
      },
    });
    readiness.register({
      name: 'consumer',
      check: () => {
        const failed = worker.startError;
        if (failed !== undefined) throw new Error(`start-up failed: ${failed.message}`);
        return consumerCheck(worker.consumerHealth);
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
    const threads = threadCount(config.threads);
    // One thread: the worker runs here. More: one worker per thread; this thread serves HTTP.
    const service: InferenceService = threads > 1 ? new ThreadedInference(config, threads, metrics, logger) : new InferenceWorker(config, new InferenceMetrics(metrics), logger);
    return {
      module: InferenceModule,
      imports: [ObservabilityModule.forRoot({ metrics, logger })],
      providers: [{ provide: INFERENCE_SERVICE, useValue: service }, InferenceLifecycle],
    };
  }
}
