import { loadConfigOrExit } from '@streamcell/config';
import { JsonLogger } from '@streamcell/observability';
import { createHttpApp, runService } from '@streamcell/service';
import { inferenceSchema } from './config';
import { InferenceModule } from './inference.module';

runService('inference', async () => {
  const config = loadConfigOrExit('inference', inferenceSchema, process.env);
  const logger = new JsonLogger('inference', config.logLevel);
  const app = await createHttpApp(InferenceModule.forRoot(config, logger), logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info('inference listening', { url: await app.getUrl() });
});
