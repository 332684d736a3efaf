import { env, type ConfigOf } from '@streamcell/config';
import { topicSettings } from '@streamcell/events';
import { kafkaConnectionSchema } from '@streamcell/kafka';
import { MODEL_NAME_PATTERN } from '@streamcell/registry';

/** The model-operations settings shared by the trainer and the `streamcell model` CLI. */
export const modelTopicsSchema = {
  ...kafkaConnectionSchema,
  modelWeights: topicSettings.modelWeights,
  trainerCheckpoints: topicSettings.trainerCheckpoints,
  replicationFactor: topicSettings.replicationFactor,
  modelName: env.string('MODEL_NAME', { default: 'default', pattern: MODEL_NAME_PATTERN, doc: 'Model to train and publish (its versions are keyed <model>/v<n> on model.weights; <weights topic>/<model> on trainer.checkpoints).' }),
  maxModelBytes: topicSettings.maxModelBytes,
  createTopics: env.bool('TRAINER_CREATE_TOPICS', { default: true, doc: 'Create model.weights and trainer.checkpoints at boot when missing.' }),
  readTimeoutMs: env.int('MODEL_READ_TIMEOUT_MS', { default: 30_000, min: 1000, max: 600_000, doc: 'Longest wait to read model.weights / trainer.checkpoints up to their end at start (ms).' }),
};

/** Every setting of the trainer service (docs/trainer.md, "Configuration"). Parsed once at boot. */
export const trainerSchema = {
  ...modelTopicsSchema,
  events: topicSettings.events,
  host: env.string('TRAINER_HOST', { default: '0.0.0.0', doc: 'HTTP listen address (health, metrics).' }),
  port: env.int('TRAINER_PORT', { default: 8082, min: 0, max: 65535, doc: 'HTTP listen port (0 = any free port).' }),
  groupId: env.string('TRAINER_GROUP_ID', { default: 'streamcell-trainer', pattern: /^[A-Za-z0-9._-]+$/, doc: 'Consumer group of the trainer on events (its own: it sees every event, independently of inference).' }),
  fromBeginning: env.bool('TRAINER_FROM_BEGINNING', { default: false, doc: 'A new group starts at the earliest retained event (true) or at the latest (false: learn from now on).' }),
  bootstrap: env.oneOf('TRAINER_BOOTSTRAP', ['init', 'wait'] as const, {
    default: 'init',
    doc: 'With no version on model.weights: init = initialise from the spec below and publish version 1; wait = stay not-ready until a model is imported.',
  }),
  cell: env.oneOf('TRAINER_CELL', ['lstm', 'gru', 'simple'] as const, { default: 'lstm', doc: 'Bootstrap spec: recurrent cell (Keras LSTM, GRU, SimpleRNN).' }),
  layers: env.list('TRAINER_LAYERS', { default: ['64'], minItems: 1, doc: 'Bootstrap spec: units of each stacked recurrent layer, input side first (e.g. `64,32`).' }),
  inputWidth: env.int('INPUT_WIDTH', { default: 8, min: 1, max: 4096, doc: 'Length of every event\'s `values` (the model\'s input width).' }),
  headUnits: env.int('TRAINER_HEAD_UNITS', { default: 0, min: 0, max: 4096, doc: 'Bootstrap spec: Dense head outputs; 0 = INPUT_WIDTH (forecast every feature of the next event).' }),
  scaling: env.oneOf('TRAINER_SCALING', ['per-stream', 'none'] as const, {
    default: 'per-stream',
    doc: 'Bootstrap spec: per-stream = every stream is scaled by its own running location and scale (streams of any magnitude share the model); none = raw values.',
  }),
  scalingHalfLife: env.number('TRAINER_SCALING_HALF_LIFE', { default: 200, min: 1, max: 1e9, doc: 'Bootstrap spec: events after which an old event weighs half in a stream\'s location and scale.' }),
  forecast: env.oneOf('TRAINER_FORECAST', ['change', 'level'] as const, {
    default: 'change',
    doc: 'Bootstrap spec: change = the network forecasts the change from the current value (a fresh model forecasts exactly last-value); level = the value itself.',
  }),
  adaptationHalfLife: env.number('TRAINER_ADAPTATION_HALF_LIFE', {
    default: 120,
    min: 0,
    max: 1e9,
    doc: 'Bootstrap spec (change forecasts): half-life in events of each stream\'s online least squares that weighs the network\'s change, the last change and the deviation from the stream\'s level (spec.adaptation). 0 = off: the network\'s change as it is.',
  }),
  seed: env.int('TRAINER_SEED', { default: 1, min: 0, max: 4_294_967_295, doc: 'Seed of the bootstrap initialisation and of batch sampling.' }),
  windowSize: env.int('TRAINER_WINDOW_SIZE', { default: 256, min: 8, max: 1_000_000, doc: 'Recent events kept per stream (oldest dropped first).' }),
  maxStreams: env.int('TRAINER_MAX_STREAMS', { default: 2000, min: 1, max: 10_000_000, doc: 'Streams whose windows are kept; the least recently seen are dropped beyond it (memory, measured: about 440 + 12 × INPUT_WIDTH bytes per held event, each a JS object and two typed arrays; ~275 MB at the defaults).' }),
  trainEveryEvents: env.int('TRAINER_TRAIN_EVERY_EVENTS', { default: 5000, min: 1, doc: 'Start a round after this many new events...' }),
  trainEverySeconds: env.number('TRAINER_TRAIN_EVERY_SECONDS', { default: 60, min: 0.1, max: 86_400, doc: '...or after this many seconds with new events, whichever comes first.' }),
  iterations: env.int('TRAINER_ITERATIONS', { default: 20, min: 1, max: 100_000, doc: 'TBPTT iterations per round; one iteration = k2 steps of a batch of streams, ceil(k2/k1) updates.' }),
  k1: env.int('TRAINER_K1', { default: 16, min: 1, max: 10_000, doc: 'TBPTT k1: steps between weight updates.' }),
  k2: env.int('TRAINER_K2', { default: 32, min: 1, max: 10_000, doc: 'TBPTT k2: steps unrolled per update (>= k1).' }),
  batchSize: env.int('TRAINER_BATCH_SIZE', { default: 32, min: 1, max: 100_000, doc: 'Streams per iteration (one batch row per stream).' }),
  learningRate: env.number('TRAINER_LEARNING_RATE', { default: 1e-3, min: 0, max: 10, doc: 'Adam learning rate.' }),
  clipNorm: env.number('TRAINER_CLIP_NORM', { default: 1, min: 0, doc: 'Global gradient-norm clipping; 0 disables.' }),
  loss: env.oneOf('TRAINER_LOSS', ['mse', 'mae', 'huber'] as const, { default: 'mse', doc: 'Training and validation loss (in normalised units).' }),
  holdoutFraction: env.number('TRAINER_HOLDOUT_FRACTION', { default: 0.2, min: 0.01, max: 0.9, doc: 'The most recent ceil(fraction × TRAINER_WINDOW_SIZE) events of each stream are held out to validate candidates (trained on only once newer events push them out of the holdout).' }),
  publishMargin: env.number('TRAINER_PUBLISH_MARGIN', {
    default: 0.01,
    min: 0,
    max: 0.999,
    doc: 'A candidate is published only if its median error ratio to last-value (per validation stream) is <= (1 - margin) × the serving version\'s on the same data.',
  }),
  maxWorseShare: env.number('TRAINER_MAX_WORSE_SHARE', {
    default: 0.25,
    min: 0,
    max: 1,
    doc: 'A candidate that forecasts worse than last-value on more than this share of the validation streams is never published.',
  }),
  seasonalPeriod: env.int('TRAINER_SEASONAL_PERIOD', {
    default: 0,
    min: 0,
    max: 100_000,
    doc: 'Seasonal period in events (e.g. 288 for a daily cycle of 5-minute samples). Bootstrap spec: each stream\'s adaptation also weighs seasonal-naive (spec.seasonality; 4 × (period + 8) × forecast features bytes of state per stream at most); the publish gate also compares with seasonal-naive. 0 = none.',
  }),
  revertAfterRejections: env.int('TRAINER_REVERT_AFTER_REJECTIONS', { default: 10, min: 0, doc: 'After this many rejected candidates in a row, restart from the published version (0 = never).' }),
  trainingEngine: env.oneOf('TRAINER_ENGINE', ['onnx', 'tfjs'] as const, {
    default: 'onnx',
    doc: 'What computes the gradients: onnx = generated forward+backward graphs in ONNX Runtime (fast); tfjs = TensorFlow.js autograd (TRAINER_BACKEND), e.g. for a TF.js GPU backend.',
  }),
  trainingThreads: env.int('TRAINER_THREADS', { default: 1, min: 1, max: 64, doc: 'ONNX Runtime intra-op threads for training (TRAINER_ENGINE=onnx).' }),
  backend: env.oneOf('TRAINER_BACKEND', ['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'] as const, {
    default: 'wasm',
    doc: 'TensorFlow.js backend when TRAINER_ENGINE=tfjs (tensorflow/-gpu need @tensorflow/tfjs-node(-gpu)).',
  }),
  logLevel: env.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, { default: 'info', doc: 'Lowest level logged.' }),
};

export type TrainerConfig = ConfigOf<typeof trainerSchema>;
export type ModelTopicsConfig = ConfigOf<typeof modelTopicsSchema>;
export const TRAINER_CONFIG = Symbol('TRAINER_CONFIG');

/** Cross-field checks the per-variable schema cannot express; returns problems in ConfigError style. */
export function crossCheck(c: TrainerConfig): string[] {
  const problems: string[] = [];
  if (c.k2 < c.k1) problems.push(`TRAINER_K2=${c.k2} must be >= TRAINER_K1=${c.k1}`);
  const bad = c.layers.filter((u) => !/^\d+$/.test(u) || Number(u) < 1 || Number(u) > 65_536);
  if (bad.length > 0) problems.push(`TRAINER_LAYERS=${c.layers.join(',')} must list positive unit counts (bad: ${bad.join(',')})`);
  const holdout = Math.ceil(c.holdoutFraction * c.windowSize);
  if (c.windowSize - holdout < c.k2 + 1) {
    problems.push(`TRAINER_WINDOW_SIZE=${c.windowSize} leaves ${c.windowSize - holdout} events after the holdout; at least TRAINER_K2 + 1 = ${c.k2 + 1} needed`);
  }
  if (c.headUnits > c.inputWidth) problems.push(`TRAINER_HEAD_UNITS=${c.headUnits} must be <= INPUT_WIDTH=${c.inputWidth} (the head forecasts next-event features)`);
  return problems;
}
