import { Controller, Inject, type Type } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { JsonLogger } from '@streamcell/observability';
import type { AlertRecord } from './alert-record';
import { AlertPipeline } from './alert-pipeline';
import { Stopping } from './stopping';

/**
 * Commits the offset after the record on the record's own consumer. ServerKafka runs kafkajs with
 * `autoCommit: false` here (kafka-transport.ts), so this is the only commit there is: it happens
 * after delivery or dead-lettering, never before. A commit that fails (the group is rebalancing)
 * is not an error: the record is done, the next commit on the partition covers it, and if the
 * partition moved first, its new owner delivers the alert again under the same key.
 */
export async function commitAfter(ctx: KafkaContext, logger: JsonLogger): Promise<void> {
  const next = (BigInt(ctx.getMessage().offset) + 1n).toString();
  try {
    await ctx.getConsumer().commitOffsets([{ topic: ctx.getTopic(), partition: ctx.getPartition(), offset: next }]);
  } catch (e) {
    logger.info('offset commit failed; the next commit covers it, or the record is redelivered', { topic: ctx.getTopic(), partition: ctx.getPartition(), offset: next, error: String(e) });
  }
}

/**
 * The `alerts` handler. The topic is a setting (TOPIC_ALERTS) and ServerKafka subscribes to the
 * patterns of its handlers, so the controller is made for the configured topic name.
 */
export function alertsController(topic: string): Type {
  @Controller()
  class AlertsController {
    constructor(
      @Inject(AlertPipeline) private readonly pipeline: AlertPipeline,
      @Inject(Stopping) private readonly stopping: Stopping,
      @Inject(JsonLogger) private readonly logger: JsonLogger,
    ) {}

    @EventPattern(topic)
    async onAlert(@Payload() record: AlertRecord, @Ctx() ctx: KafkaContext): Promise<void> {
      const outcome = await this.pipeline.handle(record, { heartbeat: ctx.getHeartbeat(), signal: this.stopping.signal });
      // Stopping mid-delivery: leave the offset uncommitted; whoever reads the partition next
      // delivers the alert again, with the same idempotency key.
      if (outcome === 'aborted') return;
      await commitAfter(ctx, this.logger);
    }
  }
  return AlertsController;
}
