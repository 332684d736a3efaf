import type { HttpServerOptions } from '@streamcell/service';
import type { IngestConfig } from './config';

/**
 * Bounds on how long a client may hold a connection, from the config. Fastify's defaults leave
 * the request time unbounded (`requestTimeout: 0`): a client sending its body a byte at a time
 * kept a connection (and its buffers) for as long as it liked.
 */
export function httpServerOptions(
  config: Pick<IngestConfig, 'maxBodyBytes' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'idleTimeoutMs' | 'keepAliveTimeoutMs' | 'maxStreamIdLength'>,
): HttpServerOptions {
  // Node refuses headersTimeout > requestTimeout; the whole request bounds its headers anyway.
  const headersTimeout = Math.min(config.headersTimeoutMs, config.requestTimeoutMs);
  return {
    bodyLimit: config.maxBodyBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.idleTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // The live view's routes carry a stream id (`/live/streams/:id/…`), percent-encoded: up to 9
    // characters per UTF-16 unit. Fastify's default of 100 answered 414 for ids ingest accepts.
    maxParamLength: Math.max(100, config.maxStreamIdLength * 9),
    http: {
      headersTimeout,
      requestTimeout: config.requestTimeoutMs,
      // Node enforces the header and request bounds by a sweep every 30 s by default, which would
      // let a slow client run up to 30 s past them; sweep at a quarter of the tighter bound (<= 1 s).
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
  };
}
