import { decodeEvent, topicEventRules } from '@streamcell/events';
import { retryRetriable, startupRetryLog, type BatchConsumer, type ConsumedMessage, type ConsumerHealth, type KafkaConnection } from '@streamcell/kafka';
import type { JsonLogger } from '@streamcell/observability';
import type { TrainerConfig } from './config';
import type { OnlineTrainer } from './training/online-trainer';
import type { TrainerMetrics } from './trainer.metrics';

/** How a consumed event was counted (the `result` label of streamcell_trainer_events_total). */
export type EventResult = 'ok' | 'ended' | 'width' | 'not_finite' | 'malformed';

/**
 * Event v1 records into the training windows, read the way inference reads them (libs/events);
 * anything unreadable is counted and skipped, never fatal.
 */
export function takeEvents(trainer: Pick<OnlineTrainer, 'observe'>, messages: readonly ConsumedMessage[], width: number, count: (result: EventResult) => void): void {
  const rules = topicEventRules(width);
  const now = Date.now();
  for (const m of messages) {
    const d = decodeEvent(m.value, rules, { key: m.key?.toString(), now });
    if (d.ok) count(trainer.observe(d.event.stream, d.event.end === true ? null : d.event.values));
    else count(d.reason === 'values_width' ? 'width' : d.reason === 'values_not_finite' ? 'not_finite' : 'malformed');
  }
}

/**
 * The trainer's consumer of `events` (its own group). The topic belongs to ingest: until it exists
 * (or while Kafka is away) starting is retried, `onWaiting` telling the service so.
 */
export class EventsIntake {
  private consumer: BatchConsumer | undefined;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly config: TrainerConfig,
    private readonly trainer: OnlineTrainer,
    private readonly metrics: TrainerMetrics,
    private readonly logger: JsonLogger,
  ) {}

  get health(): ConsumerHealth | undefined {
    return this.consumer?.healthState;
  }

  get crashError(): Error | undefined {
    return this.consumer?.crashError;
  }

  async start(signal: AbortSignal, afterBatch: () => void, onWaiting: (waiting: boolean) => void): Promise<void> {
    const c = this.config;
    const log = startupRetryLog(this.logger, 'cannot consume events yet; retrying', { topic: c.events });
    await retryRetriable(
      async () => {
        const consumer = this.connection.consumer({ groupId: c.groupId, topics: [c.events], fromBeginning: c.fromBeginning });
        try {
          await consumer.start((messages) => {
            takeEvents(this.trainer, messages, c.inputWidth, (result) => this.metrics.events.inc({ result }));
            afterBatch();
            return Promise.resolve();
          });
        } catch (e) {
          await consumer.stop().catch(() => undefined);
          throw e;
        }
        this.consumer = consumer;
        onWaiting(false);
      },
      {
        context: 'consume events',
        maxDelayMs: 10_000,
        signal,
        onRetry: (e, retryInMs) => {
          onWaiting(true);
          log(e, retryInMs);
        },
      },
    );
  }

  async stop(): Promise<void> {
    await this.consumer?.stop().catch((e: unknown) => this.logger.warn('events consumer stop failed', { error: String(e) }));
  }
}
