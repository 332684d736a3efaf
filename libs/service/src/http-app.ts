import 'reflect-metadata';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyHttpOptions } from 'fastify';
import type { Server } from 'node:http';
import { ConfigError } from '@streamcell/config';
import type { JsonLogger } from '@streamcell/observability';

/** Fastify server options a service may set: body limit, connection timeouts, route parameter length. */
export type HttpServerOptions = Pick<FastifyHttpOptions<Server>, 'bodyLimit' | 'connectionTimeout' | 'keepAliveTimeout' | 'requestTimeout' | 'maxParamLength' | 'http'>;

/** Nest on Fastify with the JSON logger: the HTTP shell of every service. */
export async function createHttpApp(
  module: DynamicModule,
  logger: JsonLogger,
  options: HttpServerOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter(options);
  return NestFactory.create<NestFastifyApplication>(module, adapter, { logger, bodyParser: false });
}

/**
 * Runs a service: main() builds and starts the app; SIGTERM/SIGINT close it gracefully (Nest's
 * shutdown hooks: finish work, commit, leave groups) and exit 0 (or process.exitCode). Signals arriving while it closes
 * are ignored: a Ctrl-C reaches a whole process group, so a supervisor's SIGTERM often follows the
 * terminal's SIGINT, and neither should cut the graceful close short (the supervisor or the
 * orchestrator's grace period ends with SIGKILL if it hangs). A failure to start exits 1, or 78
 * (EX_CONFIG) when it is a ConfigError.
 */
export function runService(name: string, main: () => Promise<INestApplication>): void {
  main().then(
    (app) => {
      let closing = false;
      const shutdown = (signal: NodeJS.Signals): void => {
        if (closing) return;
        closing = true;
        process.stderr.write(`${name}: ${signal}, shutting down\n`);
        app.close().then(
          // 0, unless a part that shut the service down on a failure set process.exitCode.
          () => process.exit(),
          (e: unknown) => {
            process.stderr.write(`${name}: shutdown failed: ${String(e)}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', shutdown);
      process.on('SIGINT', shutdown);
    },
    (e: unknown) => {
      // A setting found wrong only while building the app (an unreadable TLS file, SASL without
      // credentials) is still a configuration error: the message, no stack, EX_CONFIG.
      if (e instanceof ConfigError) {
        process.stderr.write(`${name}: ${e.message}\n`);
        process.exit(78);
      }
      process.stderr.write(`${name}: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
