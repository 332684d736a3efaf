import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonLogger } from '@streamcell/observability';
import type { IngestConfig } from './config';
import { IngestModule } from './ingest.module';

/** Builds (but does not listen) the ingest app; used by main.ts and by tests. */
export async function createIngestApp(config: IngestConfig, logger = new JsonLogger('ingest', config.logLevel)): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.maxBodyBytes });
  const app = await NestFactory.create<NestFastifyApplication>(IngestModule.forRoot(config, logger), adapter, {
    logger,
    bodyParser: false,
  });
  // Keep the body as bytes: malformed JSON must still reach the handler so its bytes can be
  // dead-lettered with a reason rather than answered 400 and forgotten.
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit: config.maxBodyBytes }, (_req, body, done) => {
    done(null, body);
  });
  app.enableShutdownHooks();
  return app;
}
