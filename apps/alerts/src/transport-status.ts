/**
 * The Kafka transport's last reported status (ServerKafka's status stream: connected,
 * disconnected, rebalancing, stopped, crashed), held for the synchronous readiness check.
 */
export class TransportStatus {
  private current = 'starting';

  set(status: string): void {
    this.current = status;
  }

  get value(): string {
    return this.current;
  }

  /** Consuming, or about to (a rebalance ends in consuming again; kafkajs reports no "joined"). */
  get consuming(): boolean {
    return this.current === 'connected' || this.current === 'rebalancing';
  }
}
