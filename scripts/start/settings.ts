/**
 * What `npm start` runs with: its demo defaults, overridden by every setting in the environment,
 * and read back through the services' own config schemas. The orchestrator's readiness waits, the
 * generator, the alert printer and the printed URLs then use the ports, hosts, input width, API
 * key and topics the services really use, so any documented setting works with `npm start`.
 */
import { createServer } from 'node:net';
import { loadConfig, type Environment } from '@streamcell/config';
import { ingestSchema } from '../../apps/ingest/src/config';
import { inferenceSchema } from '../../apps/inference/src/config';
import { trainerSchema } from '../../apps/trainer/src/config';

/** npm start's choices where the user set nothing: loopback only, a smaller model trained sooner, fewer alerts. */
export const startDefaults: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'info',
  INGEST_HOST: '127.0.0.1',
  INFERENCE_HOST: '127.0.0.1',
  TRAINER_HOST: '127.0.0.1',
  TRAINER_BOOTSTRAP: 'init',
  TRAINER_LAYERS: '32',
  TRAINER_TRAIN_EVERY_SECONDS: '30',
  TRAINER_TRAIN_EVERY_EVENTS: '20000',
  ALERT_Z_THRESHOLD: '5',
  // The generator's season: 288 events per stream (a day of 5-minute samples).
  TRAINER_SEASONAL_PERIOD: '288',
};

export interface ServiceEndpoint {
  /** Where the orchestrator reaches it (a wildcard listen address is reached on loopback). */
  readonly url: string;
  readonly port: number;
}

export interface StartSettings {
  /** The environment every service child gets. */
  readonly env: Readonly<Record<string, string>>;
  readonly ingest: ServiceEndpoint;
  readonly inference: ServiceEndpoint;
  readonly trainer: ServiceEndpoint;
  readonly inputWidth: number;
  readonly liveView: boolean;
  readonly alertsTopic: string;
  /** The first of INGEST_API_KEYS, which the generator sends; undefined when authentication is off. */
  readonly apiKey: string | undefined;
}

const portVariables = ['INGEST_PORT', 'INFERENCE_PORT', 'TRAINER_PORT'] as const;

/** A port the OS reports free now; used for a service configured with port 0 ("any free port"). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const reachable = (host: string, port: number): string => {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
};

/**
 * Merges npm start's defaults under `environment` (the user's settings win) and parses the result
 * with the three services' schemas, so a bad value stops `npm start` before anything starts, with
 * the same message the service would give. Port 0 is replaced by a concrete free port (`pickPort`)
 * because the orchestrator must know where to wait for readiness.
 */
export async function startSettings(environment: Environment, brokers: string, pickPort: () => Promise<number> = freePort): Promise<StartSettings> {
  const env: Record<string, string> = { ...startDefaults };
  for (const [k, v] of Object.entries(environment)) if (v !== undefined) env[k] = v;
  env['KAFKA_BROKERS'] = brokers;
  for (const variable of portVariables) if (env[variable] !== undefined && Number(env[variable]) === 0) env[variable] = String(await pickPort());
  const ingest = loadConfig(ingestSchema, env);
  const inference = loadConfig(inferenceSchema, env);
  const trainer = loadConfig(trainerSchema, env);
  return {
    env,
    ingest: { url: reachable(ingest.host, ingest.port), port: ingest.port },
    inference: { url: reachable(inference.host, inference.port), port: inference.port },
    trainer: { url: reachable(trainer.host, trainer.port), port: trainer.port },
    inputWidth: ingest.inputWidth,
    liveView: ingest.liveView,
    alertsTopic: inference.alerts,
    apiKey: ingest.apiKeys[0],
  };
}
