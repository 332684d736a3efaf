import type { BrokerStatus } from './broker-watch';
import type { ConsumerHealth } from './consumer-health';

/**
 * Health-check bodies over state the adapters already hold (no I/O): each returns details when
 * healthy and throws the reason otherwise, the contract of @streamcell/observability's checks.
 */

/** Up while the consumer is in its group and fetching; says why otherwise. */
export function consumerCheck(health: ConsumerHealth | undefined, details: Record<string, unknown> = {}): Record<string, unknown> {
  if (health === undefined) throw new Error('not started');
  switch (health.state) {
    case 'consuming':
      return { ...details, state: health.state };
    case 'starting':
      throw new Error('starting: joining the consumer group');
    case 'restarting':
      throw new Error(`restarting after: ${health.error.message}`);
    case 'failed':
      throw new Error(`failed, not restarting: ${health.error.message}`);
    case 'stopped':
      throw new Error('stopped');
  }
}

/** Up when the last background check reached the cluster (see BrokerWatch). */
export function brokerCheck(status: BrokerStatus, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const checkedAt = status.checkedAt === undefined ? undefined : new Date(status.checkedAt).toISOString();
  if (!status.reachable) throw new Error(`${status.error}${checkedAt === undefined ? '' : ` (checked ${checkedAt})`}`);
  return { ...extra, brokers: status.brokers, checkedAt };
}
