import { ConfigError } from '@streamcell/config';
import { JsonLogger } from '@streamcell/observability';
import { runService } from '@streamcell/service';
import { createAlertsApp, startConsuming } from './app.factory';
import { loadAlertsConfig, type AlertsConfig } from './config';

function configOrExit(): AlertsConfig {
  try {
    return loadAlertsConfig(process.env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`alerts: ${e.message}\n`);
    process.exit(78); // EX_CONFIG, as every service
  }
}

runService('alerts', async () => {
  const config = configOrExit();
  const logger = new JsonLogger('alerts', config.logLevel);
  const app = await createAlertsApp(config, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info('alerts listening', { url: await app.getUrl() });
  await startConsuming(app, config, logger);
  return app;
});
