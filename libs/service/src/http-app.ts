import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { JsonLogger } from '@streamcell/observability';

/** Nest on Fastify with the JSON logger and shutdown hooks: the HTTP shell of every service. */
export async function createHttpApp(
  module: DynamicModule,
  logger: JsonLogger,
  options: { bodyLimit?: number } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {});
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { logger, bodyParser: false });
  app.enableShutdownHooks();
  return app;
}

/** Runs a service's main(); a failure to start is printed and exits non-zero. */
export function runService(name: string, main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    process.stderr.write(`${name}: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
