import { ConfigError, loadConfigOrExit } from '@streamcell/config';
import { JsonLogger } from '@streamcell/observability';
import { runService } from '@streamcell/service';
import { createTrainerApp } from './app.factory';
import { trainerSchema } from './config';

runService('trainer', async () => {
  const config = loadConfigOrExit('trainer', trainerSchema, process.env);
  const logger = new JsonLogger('trainer', config.logLevel);
  try {
    const app = await createTrainerApp(config, logger);
    await app.listen({ host: config.host, port: config.port });
    logger.info('trainer listening', { url: await app.getUrl() });
  return app;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`trainer: ${e.message}\n`);
      process.exit(78); // EX_CONFIG, as loadConfigOrExit
    }
    throw e;
  }
});
