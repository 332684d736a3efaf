import { env } from '@streamcell/config';

/** Largest weights bundle (and checkpoint) the model topics accept; bigger bundles are refused with a clear error. */
export const defaultMaxModelBytes = 16 * 1024 * 1024;

/**
 * Topic names and layout shared by every service (README, "Topics"). Each app includes the
 * settings it needs in its own config schema, so a deployment can rename topics consistently.
 */
export const topicSettings = {
  events: env.string('TOPIC_EVENTS', { default: 'events', doc: 'Validated events, keyed by stream id.' }),
  eventsRaw: env.string('TOPIC_EVENTS_RAW', { default: 'events.raw', doc: 'Producer-specific JSON that ingest normalises.' }),
  eventsDlq: env.string('TOPIC_EVENTS_DLQ', { default: 'events.dlq', doc: 'Rejected input, reason in headers.' }),
  predictions: env.string('TOPIC_PREDICTIONS', { default: 'predictions', doc: 'Prediction v1 records.' }),
  alerts: env.string('TOPIC_ALERTS', { default: 'alerts', doc: 'Alert v1 records.' }),
  alertsDlq: env.string('TOPIC_ALERTS_DLQ', { default: 'alerts.dlq', doc: 'Alerts that could not be read or delivered, reason in headers.' }),
  modelWeights: env.string('TOPIC_MODEL_WEIGHTS', { default: 'model.weights', doc: 'Weights bundles (compacted; key = <model>/v<version>, one per version).' }),
  inferenceState: env.string('TOPIC_INFERENCE_STATE', { default: 'inference.state', doc: 'State changelog (compacted, co-partitioned with events).' }),
  trainerCheckpoints: env.string('TOPIC_TRAINER_CHECKPOINTS', { default: 'trainer.checkpoints', doc: 'Trainer checkpoints (compacted).' }),
  eventsPartitions: env.int('EVENTS_PARTITIONS', { default: 12, min: 1, max: 10_000, doc: 'Partitions of events (and of the state changelog).' }),
  maxModelBytes: env.int('MODEL_MAX_BYTES', {
    default: defaultMaxModelBytes,
    min: 65_536,
    max: 1_073_741_824,
    doc: 'Largest weights bundle (bytes), the same for every process: model.weights is created with this max.message.bytes (trainer.checkpoints with 4× it: a checkpoint holds the bundle and Adam\'s two moments), and a larger bundle is refused when published or read.',
  }),
  replicationFactor: env.int('TOPIC_REPLICATION_FACTOR', { default: 1, min: 1, max: 32, doc: 'Replication factor of topics streamcell creates.' }),
};

export interface TopicLayout {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

const week = String(7 * 24 * 3600 * 1000);
const month = String(30 * 24 * 3600 * 1000);

/** `events` and `events.dlq`: written by ingest, read (and dead-lettered to) by inference. */
export function eventTopics(t: { events: string; eventsDlq: string; eventsPartitions: number; replicationFactor: number }): TopicLayout[] {
  const rf = t.replicationFactor;
  return [
    { name: t.events, partitions: t.eventsPartitions, replicationFactor: rf, configs: { 'cleanup.policy': 'delete', 'retention.ms': week } },
    { name: t.eventsDlq, partitions: 1, replicationFactor: rf, configs: { 'cleanup.policy': 'delete', 'retention.ms': month } },
  ];
}

/** Layout of the topics ingest writes or reads; structurally a libs/kafka TopicSpec. */
export function ingestTopics(t: { events: string; eventsRaw: string; eventsDlq: string; eventsPartitions: number; replicationFactor: number }): TopicLayout[] {
  return [
    ...eventTopics(t),
    { name: t.eventsRaw, partitions: t.eventsPartitions, replicationFactor: t.replicationFactor, configs: { 'cleanup.policy': 'delete', 'retention.ms': week } },
  ];
}


/** model.weights: one key per model version (libs/registry), compacted; sized for the model. */
export function modelWeightsTopic(t: { modelWeights: string; replicationFactor: number }, maxMessageBytes = defaultMaxModelBytes): TopicLayout {
  return {
    name: t.modelWeights,
    partitions: 1,
    replicationFactor: t.replicationFactor,
    // Every version has its own key (libs/registry), so compaction removes only versions the
    // registry retired; min.compaction.lag keeps retired ones and pre-registry records (one key per
    // model, of which compaction keeps the newest) readable for a day more.
    configs: { 'cleanup.policy': 'compact', 'max.message.bytes': String(maxMessageBytes), 'min.compaction.lag.ms': String(24 * 3600 * 1000) },
  };
}

/**
 * The largest checkpoint for weights bundles of up to `maxModelBytes`: a checkpoint holds the
 * working bundle and Adam's two moments (each as large as the weights) plus small statistics, so
 * about 3× the bundle; 4× leaves room. Capped at Kafka's largest max.message.bytes (int32).
 */
export function checkpointMaxBytes(maxModelBytes: number): number {
  return Math.min(4 * maxModelBytes, 2 ** 31 - 1);
}

/** trainer.checkpoints: one key per model name, compacted. */
export function trainerCheckpointsTopic(t: { trainerCheckpoints: string; replicationFactor: number }, maxMessageBytes = checkpointMaxBytes(defaultMaxModelBytes)): TopicLayout {
  return {
    name: t.trainerCheckpoints,
    partitions: 1,
    replicationFactor: t.replicationFactor,
    configs: { 'cleanup.policy': 'compact', 'max.message.bytes': String(maxMessageBytes) },
  };
}

/** The inference outputs and its state changelog (co-partitioned with events: same count). */
export function inferenceTopics(t: {
  predictions: string;
  alerts: string;
  inferenceState: string;
  eventsPartitions: number;
  replicationFactor: number;
}): TopicLayout[] {
  const rf = t.replicationFactor;
  return [
    { name: t.predictions, partitions: t.eventsPartitions, replicationFactor: rf, configs: { 'cleanup.policy': 'delete', 'retention.ms': week } },
    alertsTopic(t),
    // The changelog should stay close to one record per stream, because a restore reads all of it:
    // the cleaner only compacts closed segments, so roll them often (10 min or 64 MiB) and clean
    // as soon as a tenth of the log is superseded.
    {
      name: t.inferenceState,
      partitions: t.eventsPartitions,
      replicationFactor: rf,
      configs: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1', 'segment.ms': String(10 * 60 * 1000), 'segment.bytes': String(64 * 1024 * 1024) },
    },
  ];
}

/** `alerts`: written by inference (partitioned like events), read by the alerts service. */
export function alertsTopic(t: { alerts: string; eventsPartitions: number; replicationFactor: number }): TopicLayout {
  return { name: t.alerts, partitions: t.eventsPartitions, replicationFactor: t.replicationFactor, configs: { 'cleanup.policy': 'delete', 'retention.ms': month } };
}

/** The topics the alerts service reads and dead-letters to. */
export function alertTopics(t: { alerts: string; alertsDlq: string; eventsPartitions: number; replicationFactor: number }): TopicLayout[] {
  return [
    alertsTopic(t),
    { name: t.alertsDlq, partitions: 1, replicationFactor: t.replicationFactor, configs: { 'cleanup.policy': 'delete', 'retention.ms': month } },
  ];
}
