import type { Consumer } from '@nestjs/microservices/external/kafka.interface';
import { isTransient } from '@streamcell/kafka';

/**
 * The Kafka transport's state, held for the synchronous readiness check. ServerKafka's status
 * stream says connected, disconnected, rebalancing, stopped or crashed, without the cause nor
 * whether kafkajs will restart the consumer; the consumer's own events add both (`follow`), so a
 * broker outage reads `restarting after: <error>` as in the other services' consumer checks, and
 * a group join marks it consuming again.
 */
export class TransportStatus {
  private current = 'starting';

  /** From ServerKafka's status stream (connected, disconnected, rebalancing, stopped, crashed). */
  set(status: string): void {
    // kafkajs disconnects as part of its restart: keep saying why.
    if (status === 'disconnected' && this.current.startsWith('restarting after: ')) return;
    this.current = status;
  }

  /**
   * Follows the consumer ServerKafka created (INestMicroservice.unwrap()). kafkajs gives up on
   * some errors that only mean "the cluster is not reachable right now" (a broker restart during
   * the group-coordinator lookup ends in KafkaJSGroupCoordinatorNotFound): those crashes are
   * answered with `restart` (connect and run again), retried with backoff until the group is
   * joined or `stopped()` says the service is stopping, as BatchConsumer does for the other
   * services. Readiness would otherwise stay down for good while liveness stayed up.
   */
  follow(consumer: Consumer, restart: () => Promise<void>, stopped: () => boolean, delaysMs: readonly number[] = [1000, 2000, 5000]): void {
    let attempt = 0;
    const retry = (): void => {
      const delay = delaysMs[Math.min(attempt++, delaysMs.length - 1)];
      setTimeout(() => {
        if (stopped() || this.consuming) return;
        restart().catch((e: unknown) => {
          this.set(`restarting after: ${e instanceof Error ? e.message : String(e)}`);
          retry();
        });
      }, delay).unref();
    };
    consumer.on(consumer.events.GROUP_JOIN, () => {
      attempt = 0;
      this.set('connected');
    });
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart: kafkajsRestarts } = e.payload;
      const ours = !kafkajsRestarts && isTransient(error) && !stopped();
      this.set(kafkajsRestarts || ours ? `restarting after: ${error.message}` : `crashed: ${error.message}`);
      if (ours) retry();
    });
  }

  get value(): string {
    return this.current;
  }

  /** Consuming, or about to (a rebalance ends in a group join). */
  get consuming(): boolean {
    return this.current === 'connected' || this.current === 'rebalancing';
  }
}
