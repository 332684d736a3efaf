import { ConfigError, loadConfig, type ConfigOf, type Environment, type Schema } from './env-schema';

/**
 * Parses the app's configuration at boot. A bad value stops the process with a message that names
 * each variable and the expected form, instead of failing later somewhere far from the cause.
 */
export function loadConfigOrExit<S extends Schema>(app: string, schema: S, environment: Environment): ConfigOf<S> {
  try {
    return loadConfig(schema, environment);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${app}: ${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
}
