import { ConfigError, env, loadConfig, type ConfigOf, type Environment } from '@streamcell/config';
import { topicSettings } from '@streamcell/events';
import { kafkaConnectionSchema } from '@streamcell/kafka';

/** Every setting of the alerts service (README, "Alerts service"). Parsed once at boot. */
export const alertsSchema = {
  ...kafkaConnectionSchema,
  alerts: topicSettings.alerts,
  alertsDlq: topicSettings.alertsDlq,
  eventsPartitions: topicSettings.eventsPartitions,
  replicationFactor: topicSettings.replicationFactor,
  host: env.string('ALERTS_HOST', { default: '0.0.0.0', doc: 'HTTP listen address (health, metrics).' }),
  port: env.int('ALERTS_PORT', { default: 8083, min: 0, max: 65535, doc: 'HTTP listen port (0 = any free port).' }),
  groupId: env.string('ALERTS_GROUP_ID', { default: 'streamcell-alerts', pattern: /^[A-Za-z0-9._-]+$/, doc: 'Consumer group of the alerts service (used as is: no "-server" suffix).' }),
  alertmanagerUrls: env.list('ALERTS_ALERTMANAGER_URLS', {
    default: [],
    doc: 'Alertmanager base URLs (e.g. http://alertmanager:9093), comma-separated; each gets every alert (POST /api/v2/alerts), as Prometheus does with an HA pair.',
  }),
  webhookUrls: env.list('ALERTS_WEBHOOK_URLS', { default: [], doc: 'Webhook URLs, comma-separated; each gets every alert as signed JSON.' }),
  webhookSecret: env.optionalString('ALERTS_WEBHOOK_SECRET', { doc: 'HMAC-SHA256 key that signs webhook bodies (required with ALERTS_WEBHOOK_URLS).' }),
  severity: env.string('ALERTS_SEVERITY', { default: 'warning', pattern: /^[A-Za-z0-9_-]+$/, doc: 'The `severity` label of every alert.' }),
  resolveAfterMs: env.int('ALERTS_RESOLVE_AFTER_MS', {
    default: 300_000,
    min: 1000,
    max: 86_400_000,
    doc: 'Quiet period: an alert resolves this long after the service read it (Alertmanager `endsAt`); also how long flood control holds a stream\'s firing alert.',
  }),
  floodControl: env.bool('ALERTS_FLOOD_CONTROL', { default: true, doc: 'One firing alert per stream: later alerts of the stream are counted and dropped until it resolves.' }),
  floodControlMaxStreams: env.int('ALERTS_FLOOD_CONTROL_MAX_STREAMS', { default: 100_000, min: 1, max: 10_000_000, doc: 'Firing streams remembered; past it the one that resolves soonest is forgotten early.' }),
  liveViewUrl: env.optionalString('ALERTS_LIVE_VIEW_URL', {
    doc: 'Live view address, as the people reading alerts reach it, linked from each alert (`?stream=<id>` is appended). Unset: alerts carry no link (`npm start` sets its own).',
  }),
  timeoutMs: env.int('ALERTS_DELIVERY_TIMEOUT_MS', { default: 5000, min: 100, max: 120_000, doc: 'Timeout of one delivery attempt (ms).' }),
  maxAttempts: env.int('ALERTS_MAX_ATTEMPTS', { default: 8, min: 1, max: 100, doc: 'Attempts per alert and target before it is dead-lettered (1 = no retry).' }),
  backoffInitialMs: env.int('ALERTS_BACKOFF_INITIAL_MS', { default: 500, min: 1, max: 600_000, doc: 'Wait before the first retry; doubles per retry, with jitter (ms).' }),
  backoffMaxMs: env.int('ALERTS_BACKOFF_MAX_MS', { default: 30_000, min: 1, max: 3_600_000, doc: 'Longest wait between retries (ms).' }),
  concurrentPartitions: env.int('ALERTS_CONCURRENT_PARTITIONS', { default: 4, min: 1, max: 1000, doc: 'Partitions of alerts delivered concurrently (order is kept within a partition, hence per stream).' }),
  sessionTimeoutMs: env.int('ALERTS_SESSION_TIMEOUT_MS', { default: 30_000, min: 6000, max: 300_000, doc: 'Consumer session timeout (ms); the consumer heartbeats while a record is in delivery, so long retries do not cost the partitions.' }),
  createTopics: env.bool('ALERTS_CREATE_TOPICS', { default: true, doc: 'Create alerts and alerts.dlq at boot when missing.' }),
  logLevel: env.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, { default: 'info', doc: 'Lowest level logged.' }),
};

export type AlertsConfig = ConfigOf<typeof alertsSchema>;

/**
 * The checks one setting alone cannot make; each problem names the variables to fix.
 * `targetRequired: false` for `npm start`, which brings its own Alertmanager when none is set.
 */
export function alertsConfigProblems(c: AlertsConfig, { targetRequired = true }: { targetRequired?: boolean } = {}): string[] {
  const problems: string[] = [];
  const badUrl = (u: string): boolean => {
    try {
      const url = new URL(u);
      return url.protocol !== 'http:' && url.protocol !== 'https:';
    } catch {
      return true;
    }
  };
  for (const u of c.alertmanagerUrls) if (badUrl(u)) problems.push(`ALERTS_ALERTMANAGER_URLS: ${JSON.stringify(u)} is not an http(s) URL`);
  for (const u of c.webhookUrls) if (badUrl(u)) problems.push(`ALERTS_WEBHOOK_URLS: ${JSON.stringify(u)} is not an http(s) URL`);
  if (c.webhookUrls.length > 0 && c.webhookSecret === undefined) problems.push('ALERTS_WEBHOOK_URLS is set but ALERTS_WEBHOOK_SECRET is not: webhooks are always signed');
  if (targetRequired && c.alertmanagerUrls.length + c.webhookUrls.length === 0) problems.push('no delivery target: set ALERTS_ALERTMANAGER_URLS and/or ALERTS_WEBHOOK_URLS');
  if (c.backoffMaxMs < c.backoffInitialMs) problems.push('ALERTS_BACKOFF_MAX_MS must be at least ALERTS_BACKOFF_INITIAL_MS');
  return problems;
}

/** loadConfig plus the cross-setting checks, failing with one ConfigError that lists them all. */
export function loadAlertsConfig(environment: Environment): AlertsConfig {
  const config = loadConfig(alertsSchema, environment);
  const problems = alertsConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
