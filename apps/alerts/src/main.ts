import { JsonLogger } from '@streamcell/observability';
import { runService } from '@streamcell/service';
import { createAlertsApp, startConsuming } from './app.factory';
import { loadAlertsConfig } from './config';

// A bad setting throws a ConfigError, which runService turns into EX_CONFIG (78) with the message.
runService('alerts', async () => {
  const config = loadAlertsConfig(process.env);
  const logger = new JsonLogger('alerts', config.logLevel);
  const app = await createAlertsApp(config, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info('alerts listening', { url: await app.getUrl() });
  await startConsuming(app, config, logger);
  return app;
});
