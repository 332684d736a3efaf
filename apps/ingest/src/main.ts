import { loadConfigOrExit } from '@streamcell/config';
import { JsonLogger } from '@streamcell/observability';
import { createIngestApp } from './app.factory';
import { ingestSchema } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit('ingest', ingestSchema, process.env);
  const logger = new JsonLogger('ingest', config.logLevel);
  const app = await createIngestApp(config, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info('ingest listening', { url: await app.getUrl() });
}

main().catch((e: unknown) => {
  process.stderr.write(`ingest: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
