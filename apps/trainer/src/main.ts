import { loadConfigOrExit } from '@streamcell/config';
import { JsonLogger } from '@streamcell/observability';
import { createHttpApp, runService } from '@streamcell/service';
import { trainerSchema } from './config';
import { TrainerModule } from './trainer.module';

runService('trainer', async () => {
  const config = loadConfigOrExit('trainer', trainerSchema, process.env);
  const logger = new JsonLogger('trainer', config.logLevel);
  const app = await createHttpApp(TrainerModule.forRoot(config, logger), logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info('trainer listening', { url: await app.getUrl() });
});
