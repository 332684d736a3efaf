/**
 * What a consumer is doing, as its readiness check reports it:
 * - `starting`: start() not finished yet (connecting, joining the group);
 * - `consuming`: in the group and fetching;
 * - `restarting`: kafkajs crashed on a retriable error (broker restart, network cut) and restarts
 *   the consumer by itself; `error` says why it is out;
 * - `failed`: kafkajs gave up (a non-retriable error): nothing restarts it;
 * - `stopped`: stop() was called.
 */
export type ConsumerHealth =
  | { readonly state: 'starting' | 'consuming' | 'stopped' }
  | { readonly state: 'restarting' | 'failed'; readonly error: Error };

/**
 * Turns kafkajs's consumer events into a ConsumerHealth. Only `failed` and `stopped` are final:
 * a crash kafkajs restarts from is cleared by the next sign of life (group join, fetch), so
 * readiness comes back on its own after a broker restart.
 */
export class ConsumerHealthTracker {
  private health: ConsumerHealth = { state: 'starting' };

  get current(): ConsumerHealth {
    return this.health;
  }

  /** The consumer joined its group or fetched: it works (unless it was stopped or gave up). */
  active(): void {
    if (this.health.state === 'starting' || this.health.state === 'restarting') this.health = { state: 'consuming' };
  }

  /** kafkajs's CRASH event; `restart` is whether kafkajs restarts the consumer afterwards. */
  crashed(error: Error, restart: boolean): void {
    if (this.health.state === 'stopped' || this.health.state === 'failed') return;
    this.health = { state: restart ? 'restarting' : 'failed', error };
  }

  stopped(): void {
    this.health = { state: 'stopped' };
  }
}
