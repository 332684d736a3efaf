import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '@streamcell/config';
import { JsonLogger } from '@streamcell/observability';
import { createHttpApp } from '@streamcell/service';
import { crossCheck, type TrainerConfig } from './config';
import { encodeBundle } from '@streamcell/model';
import { checkSize } from '@streamcell/registry';
import { bootstrapBundle } from './model-ops/bootstrap';
import { TrainerModule } from './trainer.module';
import { TrainerService } from './trainer.service';

/**
 * Checks what the per-variable schema cannot: k2 >= k1, the layer list, that the window leaves
 * room for training after the holdout, and that a bootstrapped bundle fits MODEL_MAX_BYTES (so a
 * too-large model stops the process at boot, naming the size and the limit).
 */
export function validateTrainerConfig(config: TrainerConfig): void {
  const problems = crossCheck(config);
  if (problems.length > 0) throw new ConfigError(problems);
  if (config.bootstrap === 'init') {
    try {
      checkSize('the bootstrap bundle', encodeBundle(bootstrapBundle(config)), config.maxModelBytes);
    } catch (e) {
      throw new ConfigError([e instanceof Error ? e.message : String(e)]);
    }
  }
}

/** Builds (but does not listen) the trainer app; used by main.ts and by tests. */
export async function createTrainerApp(config: TrainerConfig, logger = new JsonLogger('trainer', config.logLevel)): Promise<NestFastifyApplication> {
  validateTrainerConfig(config);
  return createHttpApp(TrainerModule.forRoot(config, logger), logger);
}

/** The running app's training service (tests inspect its reports). */
export function trainerServiceOf(app: NestFastifyApplication): TrainerService {
  return app.get(TrainerService);
}
