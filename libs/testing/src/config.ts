import { loadConfig, type Schema, type ConfigOf } from '@streamcell/config';
import { testBrokers } from './broker';

/** An app config for a test: defaults, the test broker, then the test's own overrides. */
export function testConfig<S extends Schema>(schema: S, overrides: Record<string, string>): ConfigOf<S> {
  return loadConfig(schema, { KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: 'error', ...overrides });
}

/** Every topic setting, named after `id`: a test's own set of topics, as environment variables. */
export function topicEnv(id: string): Record<string, string> {
  return {
    TOPIC_EVENTS: `${id}.events`,
    TOPIC_EVENTS_RAW: `${id}.raw`,
    TOPIC_EVENTS_DLQ: `${id}.dlq`,
    TOPIC_PREDICTIONS: `${id}.predictions`,
    TOPIC_ALERTS: `${id}.alerts`,
    TOPIC_ALERTS_DLQ: `${id}.alerts.dlq`,
    TOPIC_MODEL_WEIGHTS: `${id}.weights`,
    TOPIC_INFERENCE_STATE: `${id}.state`,
    TOPIC_TRAINER_CHECKPOINTS: `${id}.checkpoints`,
  };
}
