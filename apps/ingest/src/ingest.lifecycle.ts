import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JsonLogger, Readiness } from '@streamcell/observability';
import { INGEST_CONFIG, type IngestConfig } from './config';
import { IngestKafka } from './ingest-kafka';
import { LiveFeed } from './live/live-feed';
import { RawForwarder } from './raw-forwarder';

/**
 * Starts the Kafka side after the HTTP server is up and stops it on shutdown: the forwarder first
 * (finishes its batch, commits, leaves the group), then the producer (flushes what is queued).
 */
@Injectable()
export class IngestLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(IngestKafka) private readonly kafka: IngestKafka,
    @Inject(RawForwarder) private readonly forwarder: RawForwarder,
    @Inject(LiveFeed) private readonly live: LiveFeed,
    @Inject(Readiness) readiness: Readiness,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {
    readiness.register({
      name: 'kafka',
      check: async () => {
        if (!this.kafka.isReady) throw new Error('not connected to Kafka yet');
        return { brokers: await this.kafka.admin.ping(2000) };
      },
    });
    if (config.rawEnabled) {
      readiness.register({
        name: 'raw-forwarder',
        check: () => {
          const crashed = this.forwarder.crashError;
          return crashed === undefined ? Promise.resolve({ topic: config.eventsRaw }) : Promise.reject(crashed);
        },
      });
    }
  }

  onApplicationBootstrap(): void {
    this.kafka.start();
    if (this.config.liveView) void this.startLiveView();
    if (this.config.rawEnabled) {
      this.forwarder.start().catch((e: unknown) => this.logger.error('raw forwarder failed to start', { error: String(e) }));
    }
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
    await this.live.stop().catch(() => undefined);
    await this.forwarder.stop().catch((e: unknown) => this.logger.warn('raw forwarder stop failed', { error: String(e) }));
    await this.kafka.stop();
  }
}
