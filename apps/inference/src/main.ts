import { loadConfigOrExit } from '@streamcell/config';
import { JsonLogger } from '@streamcell/observability';
import { runService } from '@streamcell/service';
import { createInferenceApp } from './app.factory';
import { inferenceSchema } from './config';

runService('inference', async () => {
  const config = loadConfigOrExit('inference', inferenceSchema, process.env);
  const logger = new JsonLogger('inference', config.logLevel);
  const app = await createInferenceApp(config, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info('inference listening', { url: await app.getUrl() });
  return app;
});
