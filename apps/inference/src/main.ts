import { loadConfigOrExit } from '@streamcell/config';
import { resolveSecurity } from '@streamcell/kafka';
import { JsonLogger } from '@streamcell/observability';
import { runService } from '@streamcell/service';
import { createInferenceApp } from './app.factory';
import { inferenceSchema } from './config';

runService('inference', async () => {
  const config = loadConfigOrExit('inference', inferenceSchema, process.env);
  // The Kafka clients are made inside the worker threads, where a bad TLS file or SASL setting
  // would read as a thread crash; checked here it stops the service with EX_CONFIG instead.
  resolveSecurity(config);
  const logger = new JsonLogger('inference', config.logLevel);
  const app = await createInferenceApp(config, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info('inference listening', { url: await app.getUrl() });
  return app;
});
