export { ConfigError, describeSchema, env, loadConfig } from './env-schema';
export type { ConfigOf, Environment, Schema, Setting } from './env-schema';
export { loadConfigOrExit } from './boot';
