import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonLogger } from '@streamcell/observability';
import { createHttpApp } from '@streamcell/service';
import { ConfigError } from '@streamcell/config';
import { ingestConfigProblems, type IngestConfig } from './config';
import { httpServerOptions } from './http-limits';
import { IngestModule } from './ingest.module';

/** Builds (but does not listen) the ingest app; used by main.ts and by tests. */
export async function createIngestApp(config: IngestConfig, logger = new JsonLogger('ingest', config.logLevel)): Promise<NestFastifyApplication> {
  const problems = ingestConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const app = await createHttpApp(IngestModule.forRoot(config, logger), logger, httpServerOptions(config));
  // Keep the body as bytes: malformed JSON must still reach the handler so its bytes can be
  // dead-lettered with a reason rather than answered 400 and forgotten.
  app.getHttpAdapter().getInstance().addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'buffer', bodyLimit: config.maxBodyBytes },
    (req, body, done) => {
      // A compressed body is not inflated here: read as JSON it was answered malformed and
      // dead-lettered. It is refused as a media type this endpoint does not take.
      const encoding = req.headers['content-encoding'];
      if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
        done(Object.assign(new Error(`Content-Encoding ${JSON.stringify(encoding)} is not supported: send the JSON uncompressed`), { statusCode: 415 }), undefined);
        return;
      }
      done(null, body);
    },
  );
  return app;
}
