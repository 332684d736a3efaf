import type { JsonLogger } from '@streamcell/observability';
import { ingestTopics } from '@streamcell/events';
import { KafkaConnection, MAX_REQUEST_BYTES, retryRetriable, startupRetryLog, type KafkaAdmin, type KafkaProducer } from '@streamcell/kafka';
import type { IngestConfig } from './config';

/**
 * The service's Kafka resources. Boot does not wait for Kafka: the HTTP server comes up, answers
 * 503 and reports not-ready until the producer is connected and the topics exist, so a pod that
 * starts before the brokers recovers by itself.
 */
export class IngestKafka {
  readonly connection: KafkaConnection;
  readonly producer: KafkaProducer;
  readonly admin: KafkaAdmin;
  private topicsReady = false;
  private readonly abort = new AbortController();
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly config: IngestConfig,
    private readonly logger: JsonLogger,
  ) {
    this.connection = new KafkaConnection(config, logger, 'ingest');
    // Requests queued behind each other go out merged; half of Kafka's default max.message.bytes
    // (1 MiB) keeps a merge of several clients' bodies from building a batch the broker refuses
    // for all of them (a body alone is bounded by INGEST_MAX_BODY_BYTES).
    this.producer = this.connection.producer({ maxQueuedMessages: config.maxQueuedEvents, ackTimeoutMs: config.produceTimeoutMs, maxBatchBytes: MAX_REQUEST_BYTES });
    this.admin = this.connection.admin();
  }

  /** Starts connecting in the background, retrying with capped backoff until it works or stop(). */
  start(): void {
    this.connecting ??= this.connectLoop();
  }

  /** Resolves once connected (for tests and for the raw forwarder). */
  async whenConnected(): Promise<void> {
    this.start();
    await this.connecting;
  }

  get isReady(): boolean {
    return this.topicsReady && this.producer.isConnected;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.producer.disconnect().catch((e: unknown) => this.logger.warn('producer disconnect failed', { error: String(e) }));
    await this.admin.disconnect().catch(() => undefined);
  }

  private async connectLoop(): Promise<void> {
    // Every failure is retried, permanent ones included: a missing ACL or a topic with too few
    // partitions is fixed by an operator while the pod keeps answering 503 and saying why.
    await retryRetriable(
      async () => {
        if (this.config.createTopics) {
          const reports = await this.admin.ensureTopics(ingestTopics(this.config), { signal: this.abort.signal });
          for (const r of reports) {
            if (r.created) this.logger.info('topic created', { topic: r.name, partitions: r.partitions });
            if (r.configDrift.length > 0) this.logger.warn('topic config differs from the expected one', { topic: r.name, drift: r.configDrift });
          }
        }
        this.topicsReady = true;
        await this.producer.connect();
        this.logger.info('connected to Kafka', { brokers: this.config.brokers });
      },
      {
        context: 'connect',
        signal: this.abort.signal,
        shouldRetry: () => true,
        onRetry: startupRetryLog(this.logger, 'Kafka not reachable yet, retrying'),
      },
    );
  }
}
