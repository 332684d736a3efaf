import { env, type ConfigOf } from '@streamcell/config';
import { topicSettings } from '@streamcell/events';
import { kafkaConnectionSchema } from '@streamcell/kafka';

/** Every setting of the ingest service (README, "Configuration"). Parsed once at boot. */
export const ingestSchema = {
  ...kafkaConnectionSchema,
  events: topicSettings.events,
  eventsRaw: topicSettings.eventsRaw,
  eventsDlq: topicSettings.eventsDlq,
  predictions: topicSettings.predictions,
  alerts: topicSettings.alerts,
  eventsPartitions: topicSettings.eventsPartitions,
  replicationFactor: topicSettings.replicationFactor,
  host: env.string('INGEST_HOST', { default: '0.0.0.0', doc: 'HTTP listen address.' }),
  port: env.int('INGEST_PORT', { default: 8080, min: 0, max: 65535, doc: 'HTTP listen port (0 = any free port).' }),
  inputWidth: env.int('INPUT_WIDTH', { default: 8, min: 1, max: 4096, doc: 'Length of every event\'s `values` (the model\'s input width).' }),
  maxBodyBytes: env.int('INGEST_MAX_BODY_BYTES', { default: 1_048_576, min: 1024, max: 67_108_864, doc: 'Largest request body; larger ones get 413.' }),
  maxBatchEvents: env.int('INGEST_MAX_BATCH_EVENTS', { default: 1000, min: 1, max: 100_000, doc: 'Most events in one request array; more get 413.' }),
  maxStreamIdLength: env.int('INGEST_MAX_STREAM_ID_LENGTH', { default: 128, min: 1, max: 4096, doc: 'Longest stream id (characters).' }),
  maxFutureSkewMs: env.int('INGEST_MAX_FUTURE_SKEW_MS', { default: 300_000, min: 0, doc: 'How far ahead of arrival an event ts may be (ms).' }),
  maxPastSkewMs: env.int('INGEST_MAX_PAST_SKEW_MS', { default: 604_800_000, min: 0, doc: 'How far behind arrival an event ts may be (ms).' }),
  headersTimeoutMs: env.int('INGEST_HEADERS_TIMEOUT_MS', { default: 10_000, min: 100, max: 600_000, doc: 'Longest time to receive a request\'s headers; then 408 and the connection is closed (ms, capped at INGEST_REQUEST_TIMEOUT_MS).' }),
  requestTimeoutMs: env.int('INGEST_REQUEST_TIMEOUT_MS', { default: 30_000, min: 100, max: 600_000, doc: 'Longest time to receive a whole request, headers and body; then 408 and the connection is closed (ms).' }),
  idleTimeoutMs: env.int('INGEST_IDLE_TIMEOUT_MS', { default: 60_000, min: 100, max: 3_600_000, doc: 'A connection with no bytes moving this long during a request is closed (ms).' }),
  keepAliveTimeoutMs: env.int('INGEST_KEEP_ALIVE_TIMEOUT_MS', { default: 72_000, min: 100, max: 3_600_000, doc: 'How long an idle keep-alive connection stays open between requests (ms; above common load-balancer idle timeouts of 60 s).' }),
  apiKeys: env.list('INGEST_API_KEYS', { default: [], doc: 'Accepted API keys (`x-api-key` or `Authorization: Bearer`); empty disables authentication.' }),
  produceTimeoutMs: env.int('INGEST_PRODUCE_TIMEOUT_MS', { default: 5000, min: 10, max: 120_000, doc: 'Longest wait for Kafka\'s acknowledgement before answering 503 (ms).' }),
  maxQueuedEvents: env.int('INGEST_MAX_QUEUED_EVENTS', { default: 50_000, min: 1, doc: 'Events waiting for acknowledgement; past it requests get 503.' }),
  retryAfterSeconds: env.int('INGEST_RETRY_AFTER_SECONDS', { default: 1, min: 1, max: 3600, doc: '`Retry-After` sent with 503.' }),
  createTopics: env.bool('INGEST_CREATE_TOPICS', { default: true, doc: 'Create events, events.raw and events.dlq at boot when missing.' }),
  rawEnabled: env.bool('INGEST_RAW_ENABLED', { default: true, doc: 'Consume events.raw (Kafka-native ingest).' }),
  rawGroupId: env.string('INGEST_RAW_GROUP_ID', { default: 'streamcell-ingest-raw', doc: 'Consumer group for events.raw.' }),
  rawStreamField: env.string('INGEST_RAW_STREAM_FIELD', { default: 'stream', doc: 'Path (dotted) of the stream id in raw records; the record key is used when absent.' }),
  rawTsField: env.string('INGEST_RAW_TS_FIELD', { default: 'ts', doc: 'Path of the event time (ms or ISO-8601).' }),
  rawValuesField: env.string('INGEST_RAW_VALUES_FIELD', { default: 'values', doc: 'Path of the values array.' }),
  rawValueFields: env.list('INGEST_RAW_VALUE_FIELDS', { default: [], doc: 'Named scalar fields that form the vector, in order (instead of the values array).' }),
  rawEndField: env.string('INGEST_RAW_END_FIELD', { default: 'end', doc: 'Path of the end-of-stream flag.' }),
  liveView: env.bool('INGEST_LIVE_VIEW', { default: true, doc: 'Serve the live view at /live (follows events, predictions and alerts).' }),
  logLevel: env.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, { default: 'info', doc: 'Lowest level logged.' }),
};

export type IngestConfig = ConfigOf<typeof ingestSchema>;
export const INGEST_CONFIG = Symbol('INGEST_CONFIG');

/** The checks one setting alone cannot make; each problem names the variables to fix. */
export function ingestConfigProblems(c: IngestConfig): string[] {
  const problems: string[] = [];
  // A request the batch limit allows but the queue can never hold would get 503 on every retry.
  if (c.maxQueuedEvents < c.maxBatchEvents) problems.push(`INGEST_MAX_QUEUED_EVENTS=${c.maxQueuedEvents} must be at least INGEST_MAX_BATCH_EVENTS=${c.maxBatchEvents} (one full request)`);
  return problems;
}

