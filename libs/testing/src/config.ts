import { loadConfig, type Schema, type ConfigOf } from '@streamcell/config';
import { testBrokers } from './broker';

/** An app config for a test: defaults, the test broker, then the test's own overrides. */
export function testConfig<S extends Schema>(schema: S, overrides: Record<string, string>): ConfigOf<S> {
  return loadConfig(schema, { KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: 'error', ...overrides });
}
