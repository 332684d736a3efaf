import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonLogger } from '@streamcell/observability';
import { createHttpApp } from '@streamcell/service';
import type { IngestConfig } from './config';
import { httpServerOptions } from './http-limits';
import { IngestModule } from './ingest.module';

/** Builds (but does not listen) the ingest app; used by main.ts and by tests. */
export async function createIngestApp(config: IngestConfig, logger = new JsonLogger('ingest', config.logLevel)): Promise<NestFastifyApplication> {
  const app = await createHttpApp(IngestModule.forRoot(config, logger), logger, httpServerOptions(config));
  // Keep the body as bytes: malformed JSON must still reach the handler so its bytes can be
  // dead-lettered with a reason rather than answered 400 and forgotten.
  app.getHttpAdapter().getInstance().addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'buffer', bodyLimit: config.maxBodyBytes },
    (_req, body, done) => done(null, body),
  );
  return app;
}
