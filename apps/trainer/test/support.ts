import { ingestTopics } from '@streamcell/events';
import { KafkaConnection, silentLogger, type KafkaConnectionConfig } from '@streamcell/kafka';
import { decodeBundle, type WeightsBundle } from '@streamcell/model';
import { parseKey } from '@streamcell/registry';
import { testConfig, uniqueName, type TopicReader } from '@streamcell/testing';
import { trainerSchema, type TrainerConfig } from '../src/config';

/** A small, fast trainer configuration on topics and groups of the test's own. */
export function trainerTestConfig(id: string, overrides: Record<string, string> = {}): TrainerConfig {
  return testConfig(trainerSchema, {
    TRAINER_HOST: '127.0.0.1',
    TRAINER_PORT: '0',
    TOPIC_EVENTS: `${id}.events`,
    TOPIC_MODEL_WEIGHTS: `${id}.weights`,
    TOPIC_TRAINER_CHECKPOINTS: `${id}.checkpoints`,
    TRAINER_GROUP_ID: `${id}-trainer`,
    TRAINER_FROM_BEGINNING: 'true',
    MODEL_NAME: 'sine',
    MODEL_MAX_BYTES: String(1024 * 1024),
    INPUT_WIDTH: '2',
    TRAINER_CELL: 'lstm',
    TRAINER_LAYERS: '8',
    TRAINER_WINDOW_SIZE: '48',
    TRAINER_HOLDOUT_FRACTION: '0.25',
    TRAINER_K1: '8',
    TRAINER_K2: '8',
    TRAINER_BATCH_SIZE: '8',
    TRAINER_ITERATIONS: '12',
    TRAINER_LEARNING_RATE: '0.02',
    TRAINER_TRAIN_EVERY_EVENTS: '240',
    TRAINER_TRAIN_EVERY_SECONDS: '3',
    TRAINER_PUBLISH_MARGIN: '0',
    ...overrides,
  });
}

/** Trainer settings that learn a dynamics shift of a 1-wide sine within a few rounds (shift tests). */
export const shiftLearningSettings: Readonly<Record<string, string>> = {
  INPUT_WIDTH: '1',
  TRAINER_LAYERS: '16',
  TRAINER_WINDOW_SIZE: '64',
  TRAINER_HOLDOUT_FRACTION: '0.25',
  TRAINER_K1: '8',
  TRAINER_K2: '16',
  TRAINER_BATCH_SIZE: '8',
  TRAINER_ITERATIONS: '20',
  TRAINER_LEARNING_RATE: '0.01',
  TRAINER_TRAIN_EVERY_EVENTS: '320',
  TRAINER_TRAIN_EVERY_SECONDS: '2',
  // These tests are about the network learning online; per-stream adaptation (which would let even
  // a frozen network follow a sine) is measured by bench:quality instead.
  TRAINER_ADAPTATION_HALF_LIFE: '0',
};

export function newId(prefix: string): string {
  return uniqueName(prefix);
}

/** Creates the events topic as ingest would (the trainer only reads it). */
export async function createEventsTopic(config: TrainerConfig & KafkaConnectionConfig): Promise<void> {
  const admin = new KafkaConnection(config, silentLogger).admin();
  try {
    const [events] = ingestTopics({ events: config.events, eventsRaw: `${config.events}.raw`, eventsDlq: `${config.events}.dlq`, eventsPartitions: 2, replicationFactor: 1 });
    await admin.ensureTopics([events]);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Writes `steps` events for each of `streams` streams: a sine and (INPUT_WIDTH 2) a cosine of the
 * stream's own phase plus a little noise (learnable: the next value follows from the recent ones).
 */
export async function produceSine(config: TrainerConfig, streams: number, steps: number, from = 0, options: { freq?: number; amp?: number } = {}): Promise<void> {
  const producer = new KafkaConnection(config, silentLogger).producer({ maxQueuedMessages: 100_000, ackTimeoutMs: 30_000 });
  await producer.connect();
  try {
    const freq = options.freq ?? 0.3;
    const amp = options.amp ?? 2;
    let noise = 12345;
    const rand = (): number => {
      noise = (noise * 1103515245 + 12345) % 2147483648;
      return noise / 2147483648 - 0.5;
    };
    const messages = [];
    for (let t = from; t < from + steps; t++) {
      for (let s = 0; s < streams; s++) {
        const phase = s * 0.7;
        const values = [5 + amp * Math.sin(freq * t + phase) + 0.05 * rand(), -3 + amp * Math.cos(freq * t + phase) + 0.05 * rand()].slice(0, config.inputWidth);
        messages.push({ key: `s${s}`, value: JSON.stringify({ stream: `s${s}`, ts: Date.now(), values }) });
      }
    }
    await producer.send([{ topic: config.events, messages }]);
  } finally {
    await producer.disconnect();
  }
}

/** Decoded bundles of `model` from a model.weights reader, in log order (per-version and legacy keys). */
export function bundlesOf(reader: Pick<TopicReader, 'messages'>, model: string): WeightsBundle[] {
  return reader.messages
    .filter((m) => m.value !== null && m.key !== null && ['version', 'legacy'].includes(parseKey(model, m.key.toString())?.kind ?? ''))
    .map((m) => decodeBundle(m.value!));
}
