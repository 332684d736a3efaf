import { env, type ConfigOf } from '@streamcell/config';
import { kafkaConnectionSchema } from '@streamcell/kafka';

export const inferenceSchema = {
  ...kafkaConnectionSchema,
  host: env.string('INFERENCE_HOST', { default: '0.0.0.0', doc: 'HTTP listen address (health, metrics).' }),
  port: env.int('INFERENCE_PORT', { default: 8081, min: 0, max: 65535, doc: 'HTTP listen port (0 = any free port).' }),
  logLevel: env.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, { default: 'info', doc: 'Lowest level logged.' }),
};

export type InferenceConfig = ConfigOf<typeof inferenceSchema>;
