import { env, type ConfigOf } from '@streamcell/config';
import { topicSettings } from '@streamcell/events';
import { kafkaConnectionSchema } from '@streamcell/kafka';
import type { EngineConfig } from '@streamcell/model';
import { MODEL_NAME_PATTERN } from '@streamcell/registry';

/** Every setting of the inference service (README, "Configuration"). Parsed once at boot. */
export const inferenceSchema = {
  ...kafkaConnectionSchema,
  events: topicSettings.events,
  eventsDlq: topicSettings.eventsDlq,
  predictions: topicSettings.predictions,
  alerts: topicSettings.alerts,
  modelWeights: topicSettings.modelWeights,
  maxModelBytes: topicSettings.maxModelBytes,
  inferenceState: topicSettings.inferenceState,
  eventsPartitions: topicSettings.eventsPartitions,
  replicationFactor: topicSettings.replicationFactor,
  host: env.string('INFERENCE_HOST', { default: '0.0.0.0', doc: 'HTTP listen address (health, metrics).' }),
  port: env.int('INFERENCE_PORT', { default: 8081, min: 0, max: 65535, doc: 'HTTP listen port (0 = any free port).' }),
  groupId: env.string('INFERENCE_GROUP_ID', { default: 'streamcell-inference', pattern: /^[A-Za-z0-9._-]+$/, doc: 'Consumer group of the inference workers; also the prefix of their transactional ids.' }),
  modelName: env.string('MODEL_NAME', { default: 'default', pattern: MODEL_NAME_PATTERN, doc: 'Which model (key on model.weights) to serve.' }),
  engine: env.oneOf('INFERENCE_ENGINE', ['onnx', 'reference', 'tfjs'] as const, { default: 'onnx', doc: 'Runtime that steps the model.' }),
  tfjsBackend: env.oneOf('INFERENCE_TFJS_BACKEND', ['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'] as const, {
    default: 'wasm',
    doc: 'TensorFlow.js backend when INFERENCE_ENGINE=tfjs (tensorflow/-gpu need @tensorflow/tfjs-node(-gpu)).',
  }),
  onnxProvider: env.oneOf('INFERENCE_ONNX_PROVIDER', ['cpu', 'cuda'] as const, { default: 'cpu', doc: 'ONNX Runtime execution provider.' }),
  stateCapacity: env.int('INFERENCE_STATE_CAPACITY', { default: 100_000, min: 1, max: 100_000_000, doc: 'Streams whose state is held on the engine; least recently used beyond it move to host memory.' }),
  idleTimeoutMs: env.int('INFERENCE_IDLE_TIMEOUT_MS', { default: 3_600_000, min: 1000, doc: 'Streams idle this long leave the engine\'s table (their state stays in the changelog and host memory).' }),
  stateMemoryBytes: env.int('INFERENCE_STATE_MEMORY_BYTES', {
    default: 256 * 1024 * 1024,
    min: 1024 * 1024,
    doc: 'Host memory for the states of streams off the engine\'s table (evicted, or restored and not seen yet), keys and overhead included; beyond it they spill to disk (INFERENCE_STATE_DIR).',
  }),
  stateDir: env.string('INFERENCE_STATE_DIR', {
    default: '',
    doc: 'Local state directory, one per worker, kept across restarts (a volume): the on-disk tier of stream states (spill/, spill-N/ for thread N, wiped at start) and the warm-restart checkpoint a clean stop writes (checkpoint/). Empty: a fresh directory under the OS temp dir, so no warm restarts.',
  }),
  checkpointMaxAgeMs: env.int('INFERENCE_CHECKPOINT_MAX_AGE_MS', {
    default: 12 * 3_600_000,
    min: 0,
    doc: 'A warm-restart checkpoint older than this is ignored (full restore from the changelog); keep it below the changelog\'s delete.retention.ms (1 day), after which the tail may have lost tombstones.',
  }),
  stateTtlMs: env.int('INFERENCE_STATE_TTL_MS', {
    default: 0,
    min: 0,
    doc: 'Drop the state of a stream with no event for this long (tombstoned in the changelog, counted in streamcell_inference_state_expired_total); it starts fresh if it returns. 0 = keep states forever.',
  }),
  threads: env.int('INFERENCE_THREADS', {
    default: 0,
    min: 0,
    max: 256,
    doc: 'Worker threads, each its own member of the consumer group with its share of the partitions, its own engine and a 1/N share of INFERENCE_STATE_CAPACITY and INFERENCE_STATE_MEMORY_BYTES. 0 = the cores the process may use (CPU affinity and the cgroup CPU limit), at most one per stream of INFERENCE_STATE_CAPACITY and per MiB of INFERENCE_STATE_MEMORY_BYTES.',
  }),
  commitIntervalMs: env.int('INFERENCE_COMMIT_INTERVAL_MS', { default: 100, min: 1, max: 60_000, doc: 'How often outputs, state changes and offsets are committed (one transaction per partition; while one is on the wire, the next waits for it and then takes everything processed meanwhile).' }),
  guarantee: env.oneOf('PROCESSING_GUARANTEE', ['exactly_once', 'at_least_once'] as const, { default: 'exactly_once', doc: 'exactly_once: transactions; at_least_once: faster, duplicates after a crash.' }),
  transactionTimeoutMs: env.int('INFERENCE_TRANSACTION_TIMEOUT_MS', { default: 10_000, min: 1000, max: 900_000, doc: 'Broker aborts a transaction left open this long (e.g. by a killed worker).' }),
  sessionTimeoutMs: env.int('INFERENCE_SESSION_TIMEOUT_MS', { default: 10_000, min: 6000, max: 300_000, doc: 'Consumer session timeout: how long a dead worker keeps its partitions. The broker refuses one below its group.min.session.timeout.ms (6 s by default).' }),
  alertZ: env.number('ALERT_Z_THRESHOLD', {
    default: 6,
    min: 0,
    doc: 'An event is an outlier candidate when its forecast residual is this many standard deviations above the stream\'s mean (robust, forgetting statistics); the next event confirms it (a spike comes back) before it alerts.',
  }),
  alertWarmup: env.int('ALERT_WARMUP_EVENTS', { default: 20, min: 2, doc: 'Residuals a stream needs before it can alert; a model swap re-warms its statistics to this count.' }),
  alertCooldown: env.int('ALERT_COOLDOWN_EVENTS', { default: 3, min: 0, doc: 'Events after an alert during which the stream does not alert again.' }),
  alertHalfLife: env.number('ALERT_HALF_LIFE_EVENTS', { default: 100, min: 1, max: 1e9, doc: 'Events after which an old residual weighs half in a stream\'s alert statistics.' }),
  createTopics: env.bool('INFERENCE_CREATE_TOPICS', { default: true, doc: 'Create predictions, alerts, inference.state and model.weights at boot when missing.' }),
  logLevel: env.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, { default: 'info', doc: 'Lowest level logged.' }),
};

export type InferenceConfig = ConfigOf<typeof inferenceSchema>;

/** The model engine the settings choose (INFERENCE_ENGINE and its options). */
export function engineConfig(config: InferenceConfig): EngineConfig {
  switch (config.engine) {
    case 'onnx':
      return { kind: 'onnx', executionProvider: config.onnxProvider };
    case 'reference':
      return { kind: 'reference' };
    case 'tfjs':
      return { kind: 'tfjs', backend: config.tfjsBackend };
  }
}
