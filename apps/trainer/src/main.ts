import { loadConfigOrExit } from '@streamcell/config';
import { JsonLogger } from '@streamcell/observability';
import { runService } from '@streamcell/service';
import { createTrainerApp } from './app.factory';
import { trainerSchema } from './config';

runService('trainer', async () => {
  const config = loadConfigOrExit('trainer', trainerSchema, process.env);
  const logger = new JsonLogger('trainer', config.logLevel);
  // A ConfigError found while building the app (e.g. the model's name) exits 78 in runService.
  const app = await createTrainerApp(config, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info('trainer listening', { url: await app.getUrl() });
  return app;
});
