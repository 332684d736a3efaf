import { loadConfigOrExit } from '@streamcell/config';
import { JsonLogger } from '@streamcell/observability';
import { runService } from '@streamcell/service';
import { createIngestApp } from './app.factory';
import { ingestSchema } from './config';

runService('ingest', async () => {
  const config = loadConfigOrExit('ingest', ingestSchema, process.env);
  const logger = new JsonLogger('ingest', config.logLevel);
  const app = await createIngestApp(config, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info('ingest listening', { url: await app.getUrl() });
  return app;
});
