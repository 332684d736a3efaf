import type { Consumer } from '@nestjs/microservices/external/kafka.interface';

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

  /** Follows the consumer ServerKafka created (INestMicroservice.unwrap()). */
  follow(consumer: Consumer): void {
    consumer.on(consumer.events.GROUP_JOIN, () => this.set('connected'));
    consumer.on(consumer.events.CRASH, (e) => this.set(e.payload.restart ? `restarting after: ${e.payload.error.message}` : `crashed: ${e.payload.error.message}`));
  }

  get value(): string {
    return this.current;
  }

  /** Consuming, or about to (a rebalance ends in a group join). */
  get consuming(): boolean {
    return this.current === 'connected' || this.current === 'rebalancing';
  }
}
