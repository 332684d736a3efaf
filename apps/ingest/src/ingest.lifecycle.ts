import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { brokerCheck, consumerCheck, retryRetriable, startupRetryLog, type BrokerWatch } from '@streamcell/kafka';
import { JsonLogger, Readiness } from '@streamcell/observability';
import { INGEST_CONFIG, type IngestConfig } from './config';
import { IngestKafka } from './ingest-kafka';
import { LiveFeed } from './live/live-feed';
import { RawForwarder } from './raw-forwarder';

/**
 * Starts the Kafka side after the HTTP server is up and stops it on shutdown: the forwarder first
 * (finishes its batch, commits, leaves the group), then the producer (flushes what is queued).
 *
 * Readiness: ingest is ready as soon as it serves HTTP. While Kafka is unreachable it answers
 * 503 + Retry-After, which is what clients are promised; failing readiness instead would take
 * every pod out of its Service and turn those answers into connection errors. The Kafka and
 * raw-forwarder checks are informational: listed in `/health/ready`, failing only `/health`.
 */
@Injectable()
export class IngestLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly brokers: BrokerWatch;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(IngestKafka) private readonly kafka: IngestKafka,
    @Inject(RawForwarder) private readonly forwarder: RawForwarder,
    @Inject(LiveFeed) private readonly live: LiveFeed,
    @Inject(Readiness) readiness: Readiness,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {
    this.brokers = kafka.admin.watch();
    readiness.register({
      name: 'kafka',
      required: false,
      check: () => {
        if (!this.kafka.isReady) throw new Error('not connected to Kafka yet');
        return brokerCheck(this.brokers.status);
      },
    });
    if (config.rawEnabled) {
      readiness.register({ name: 'raw-forwarder', required: false, check: () => consumerCheck(this.forwarder.health, { topic: config.eventsRaw }) });
    }
  }

  onApplicationBootstrap(): void {
    this.kafka.start();
    this.brokers.start();
    if (this.config.liveView) void this.startLiveView();
    if (this.config.rawEnabled) void this.startForwarder();
  }

  /**
   * A start that fails (broker gone between connecting and joining) is retried: otherwise the
   * forwarder would stay down, and its check failed, until the pod restarts.
   */
  private async startForwarder(): Promise<void> {
    await retryRetriable(() => this.forwarder.start(), {
      context: 'raw forwarder start',
      maxDelayMs: 10_000,
      signal: this.abort.signal,
      shouldRetry: () => true,
      onRetry: startupRetryLog(this.logger, 'raw forwarder not started yet, retrying'),
    }).catch((e: unknown) => this.logger.error('raw forwarder failed to start', { error: String(e) }));
  }

  /** The outputs' topics appear when inference first starts: keep trying until they exist. */
  private async startLiveView(): Promise<void> {
    await this.kafka.whenConnected();
    while (!this.stopped) {
      try {
        await this.live.start();
        return;
      } catch (e) {
        this.logger.debug('live view not started yet', { error: String(e) });
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.brokers.stop();
    await this.live.stop().catch(() => undefined);
    await this.forwarder.stop().catch((e: unknown) => this.logger.warn('raw forwarder stop failed', { error: String(e) }));
    await this.kafka.stop();
  }
}
