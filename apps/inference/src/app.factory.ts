import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonLogger } from '@streamcell/observability';
import { createHttpApp } from '@streamcell/service';
import type { InferenceConfig } from './config';
import { InferenceModule } from './inference.module';

/** Builds (but does not listen) the inference app; used by main.ts and by tests. */
export function createInferenceApp(config: InferenceConfig, logger = new JsonLogger('inference', config.logLevel)): Promise<NestFastifyApplication> {
  return createHttpApp(InferenceModule.forRoot(config, logger), logger);
}
