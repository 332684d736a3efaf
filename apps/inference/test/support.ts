import { inferenceTopics, modelWeightsTopic } from '@streamcell/events';
import { KafkaConnection, silentLogger, type ConsumedMessage, type KafkaConnectionConfig } from '@streamcell/kafka';
import { createBundle, encodeBundle, StreamingModel, type ModelSpec, type WeightsBundle } from '@streamcell/model';
import { testBrokers, testConfig, topicEnv, uniqueName } from '@streamcell/testing';
import { inferenceSchema, type InferenceConfig } from '../src/config';

export const spec: ModelSpec = { cell: 'lstm', layers: [8], inputWidth: 2, head: { units: 2 } };

export function bundle(version: number, seed: number, s: ModelSpec = spec): WeightsBundle {
  return createBundle({ name: 'm', spec: s, version, parentVersion: version > 1 ? version - 1 : null, init: { seed } });
}

/** A config with topics and group of the test's own. */
export function inferenceTestConfig(overrides: Record<string, string> = {}): InferenceConfig {
  return testConfig(inferenceSchema, inferenceTestEnv(overrides));
}

/** The environment of such a config, for worker processes. */
export function inferenceTestEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const id = uniqueName('inf');
  return {
    KAFKA_BROKERS: testBrokers().join(','),
    LOG_LEVEL: 'warn',
    INFERENCE_PORT: '0',
    INFERENCE_HOST: '127.0.0.1',
    ...topicEnv(id),
    EVENTS_PARTITIONS: '4',
    INFERENCE_GROUP_ID: `${id}-group`,
    MODEL_NAME: 'm',
    INFERENCE_ENGINE: 'reference',
    INFERENCE_COMMIT_INTERVAL_MS: '50',
    INFERENCE_SESSION_TIMEOUT_MS: '6000',
    ...overrides,
  };
}

/** Creates every topic the test touches (as ingest and inference would at boot). */
export async function createTopics(config: InferenceConfig): Promise<void> {
  const admin = new KafkaConnection(config, silentLogger).admin();
  await admin.ensureTopics([
    { name: config.events, partitions: config.eventsPartitions },
    { name: config.eventsDlq, partitions: 1 },
    ...inferenceTopics(config),
    modelWeightsTopic(config),
  ]);
  await admin.disconnect();
}

/** Writes to topics the way other services would (idempotent producer, keyed). */
export class TestProducer {
  private readonly producer;
  constructor(config: KafkaConnectionConfig) {
    this.producer = new KafkaConnection(config, silentLogger).producer({ maxQueuedMessages: 1_000_000, ackTimeoutMs: 30_000 });
  }
  connect(): Promise<void> {
    return this.producer.connect();
  }
  /** `partition` overrides the default (murmur2) partitioner, as a misbehaving producer would. */
  send(topic: string, messages: { key: string; value: string | Buffer | null; partition?: number }[]): Promise<void> {
    return this.producer.send([{ topic, messages }]);
  }
  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

export interface TestEvent {
  stream: string;
  ts: number;
  values: number[];
  end?: true;
}

/** A smooth signal per stream, so forecasts are meaningful and distinct. */
export function signal(stream: number, step: number): number[] {
  return [Math.sin(0.3 * step + stream), Math.cos(0.2 * step + 2 * stream) * 0.5];
}

export interface Prediction {
  stream: string;
  ts: number;
  partition: number;
  offset: string;
  model: { name: string; version: number };
  output: number[];
}

export const predictionOf = (m: ConsumedMessage): Prediction => JSON.parse(m.value!.toString()) as Prediction;

/**
 * The offline oracle: each stream's events run one at a time through the reference kernel, in
 * order, switching weights where the timeline says. Returns outputs per stream.
 */
export async function offline(timeline: { bundle: WeightsBundle; events: TestEvent[] }[]): Promise<Map<string, number[][]>> {
  const model = await StreamingModel.create({ bundle: timeline[0].bundle, engine: { kind: 'reference' }, capacity: 10_000 });
  const out = new Map<string, number[][]>();
  for (const phase of timeline) {
    if (phase.bundle !== model.bundle) await model.swapWeights(phase.bundle);
    for (const e of phase.events) {
      if (e.end === true) {
        model.table.remove(e.stream);
        continue;
      }
      const y = await model.step([e.stream], Float32Array.from(e.values));
      let list = out.get(e.stream);
      if (list === undefined) out.set(e.stream, (list = []));
      list.push(Array.from(y));
    }
  }
  await model.dispose();
  return out;
}

export function assertClose(actual: number[], expected: number[], tol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) throw new Error(`${what}: [${i}] ${actual[i]} != ${expected[i]} (tol ${tol})`);
  }
}

export { encodeBundle };
