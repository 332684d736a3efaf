import type { AlertV1 } from '@streamcell/events';
import type { JsonLogger } from '@streamcell/observability';
import { idempotencyKey } from './alert-identity';
import type { AlertRecord } from './alert-record';
import type { AlertsMetrics, RecordOutcome } from './alerts.metrics';
import type { DeadLetterSink } from './dead-letters';
import type { FloodControl } from './flood-control';
import { deliverWithRetries, type AttemptsResult, type RetryPolicy } from './retry-policy';
import type { TargetHealth } from './target-health';
import type { Delivery, DeliveryTarget } from './targets/target';

export interface PipelineOptions {
  readonly policy: RetryPolicy;
  readonly resolveAfterMs: number;
  /** Live view base URL; `?stream=<id>` is appended. */
  /** Undefined: no live view is reachable, and alerts carry no link. */
  readonly liveViewUrl: string | undefined;
}

/** What the handler lends the pipeline for one record: the consumer's heartbeat and the stop signal. */
export interface RecordIo {
  /**
   * Keeps the consumer in its group while a record takes long (KafkaContext.getHeartbeat()):
   * kafkajs heartbeats only between records otherwise, and retries can outlast the session.
   */
  heartbeat(): Promise<void>;
  readonly signal: AbortSignal;
}

/** `aborted`: the service is stopping; the record was not finished and must not be committed. */
export type PipelineOutcome = RecordOutcome | 'aborted';

/** Heartbeats at most this far apart while a record is handled (kafkajs itself skips beats sent sooner than heartbeatInterval). */
const heartbeatEveryMs = 1000;

export function liveViewLink(base: string, stream: string): string {
  return `${base}${base.includes('?') ? '&' : '?'}stream=${encodeURIComponent(stream)}`;
}

/**
 * What happens to one `alerts` record, from decoded bytes to "may be committed": a bad record is
 * dead-lettered; a good one passes flood control, then goes to every target at once, each with its
 * own bounded retries, and whatever a target did not take is dead-lettered with the reason. It
 * resolves only when every target accepted or the alert is on alerts.dlq, which is when the
 * caller commits. Targets are independent: a slow one delays the commit, never another target's
 * delivery, and once one is down (TargetHealth) it costs later alerts a single attempt.
 */
export class AlertPipeline {
  constructor(
    private readonly targets: readonly DeliveryTarget[],
    private readonly floodControl: FloodControl,
    private readonly health: TargetHealth,
    private readonly deadLetters: DeadLetterSink,
    private readonly metrics: AlertsMetrics,
    private readonly logger: JsonLogger,
    private readonly options: PipelineOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async handle(record: AlertRecord, io: RecordIo): Promise<PipelineOutcome> {
    const outcome = await whileHeartbeating(this.process(record, io), io);
    if (outcome !== 'aborted') this.metrics.records.inc({ outcome });
    return outcome;
  }

  private async process(record: AlertRecord, io: RecordIo): Promise<PipelineOutcome> {
    const { decoded } = record;
    if (!decoded.ok) {
      this.logger.info('alert record refused, dead-lettering', { reason: decoded.reason, detail: decoded.detail, origin: `${record.topic}/${record.partition}/${record.offset}` });
      if (!(await this.deadLetters.write(record, { reason: decoded.reason, detail: decoded.detail }, io.signal))) return 'aborted';
      this.metrics.invalid.inc({ reason: decoded.reason });
      return 'invalid';
    }
    const takenAt = this.now();
    const delivery = this.deliveryOf(decoded.alert, takenAt);
    if (!this.floodControl.admit(decoded.alert.stream, takenAt, delivery.endsAt.getTime())) return 'suppressed';
    const results = await Promise.all(this.targets.map((t) => this.deliverTo(t, delivery, takenAt, io)));
    if (results.some((r) => r.kind === 'aborted')) return 'aborted';
    let deadLettered = false;
    for (const [i, r] of results.entries()) {
      if (r.kind !== 'failed') continue;
      const target = this.targets[i].name;
      const letter = { reason: r.reason, detail: r.detail, target, idempotencyKey: delivery.idempotencyKey, attempts: r.attempts };
      this.logger.warn('alert not delivered, dead-lettering', { stream: decoded.alert.stream, target, reason: r.reason, detail: r.detail });
      if (!(await this.deadLetters.write(record, letter, io.signal))) return 'aborted';
      this.metrics.deadLettered.inc({ target, reason: r.reason });
      deadLettered = true;
    }
    return deadLettered ? 'dead_lettered' : 'delivered';
  }

  private deliveryOf(alert: AlertV1, takenAt: number): Delivery {
    return {
      alert,
      idempotencyKey: idempotencyKey(alert),
      startsAt: new Date(alert.ts),
      // After the start even when the event's time is ahead of ours (a producer's clock, ingest's
      // allowed future skew): Alertmanager refuses an alert that ends before it starts.
      endsAt: new Date(Math.max(takenAt, alert.ts) + this.options.resolveAfterMs),
      liveViewUrl: this.options.liveViewUrl === undefined ? undefined : liveViewLink(this.options.liveViewUrl, alert.stream),
    };
  }

  private async deliverTo(target: DeliveryTarget, delivery: Delivery, takenAt: number, io: RecordIo): Promise<AttemptsResult> {
    const attempts = this.health.isDown(target.name) ? 1 : this.options.policy.maxAttempts;
    const result = await deliverWithRetries(target, delivery, attempts, this.options.policy, io.signal, {
      wait: sleep,
      onRetry: (error, attempt, retryInMs) => {
        this.metrics.retries.inc({ target: target.name });
        this.logger.info('delivery failed, retrying', { target: target.name, stream: delivery.alert.stream, attempt, retryInMs, error: error.message });
      },
    });
    switch (result.kind) {
      case 'accepted':
        this.health.markUp(target.name);
        this.metrics.delivered.inc({ target: target.name });
        this.metrics.deliverySeconds.observe({ target: target.name }, (this.now() - takenAt) / 1000);
        break;
      case 'failed':
        // A refusal (4xx) says the alert is wrong, not that the target is down.
        if (result.reason === 'delivery_failed') this.health.markDown(target.name);
        break;
      case 'aborted':
        break;
    }
    return result;
  }
}

/** Heartbeats every second until `work` settles. */
function whileHeartbeating<T>(work: Promise<T>, io: RecordIo): Promise<T> {
  // A failed heartbeat means the group is rebalancing: the commit after delivery then fails and
  // the record is read again by its new owner (same idempotency key). Nothing to do here.
  const timer = setInterval(() => void io.heartbeat().catch(() => undefined), heartbeatEveryMs);
  return work.finally(() => clearInterval(timer));
}

/** Waits `ms`, or less when aborted (then resolves at once). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
