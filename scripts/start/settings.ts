/**
 * What `npm start` runs with: its demo defaults, overridden by every setting in the environment,
 * and read back through the services' own config schemas. The orchestrator's readiness waits, the
 * generator, the alert printer and the printed URLs then use the ports, hosts, input width, API
 * key and topics the services really use, so any documented setting works with `npm start`.
 */
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type Environment } from '@streamcell/config';
import { defaultAlertmanagerBin } from '@streamcell/testing';
import { alertsConfigProblems, alertsSchema } from '../../apps/alerts/src/config';
import { ingestConfigProblems, ingestSchema } from '../../apps/ingest/src/config';
import { inferenceSchema } from '../../apps/inference/src/config';
import { threadConfig } from '../../apps/inference/src/threads/protocol';
import { crossCheck, trainerSchema } from '../../apps/trainer/src/config';

/** npm start's choices where the user set nothing: loopback only, a smaller model trained sooner, fewer alerts. */
export const startDefaults: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'info',
  INGEST_HOST: '127.0.0.1',
  INFERENCE_HOST: '127.0.0.1',
  TRAINER_HOST: '127.0.0.1',
  ALERTS_HOST: '127.0.0.1',
  TRAINER_BOOTSTRAP: 'init',
  TRAINER_LAYERS: '32',
  TRAINER_TRAIN_EVERY_SECONDS: '30',
  TRAINER_TRAIN_EVERY_EVENTS: '20000',
  ALERT_Z_THRESHOLD: '5',
  // The generator's season (system.ts: period 120 events per stream).
  TRAINER_SEASONAL_PERIOD: '120',
};

export interface ServiceEndpoint {
  /** Where the orchestrator reaches it (a wildcard listen address is reached on loopback). */
  readonly url: string;
  /** Where it listens, and the variable that sets the port (named when the port is taken). */
  readonly host: string;
  readonly port: number;
  readonly variable: (typeof portVariables)[number];
}

export interface StartSettings {
  /** The environment every service child gets. */
  readonly env: Readonly<Record<string, string>>;
  readonly ingest: ServiceEndpoint;
  readonly inference: ServiceEndpoint;
  readonly trainer: ServiceEndpoint;
  readonly alerts: ServiceEndpoint;
  /**
   * How the alerts service delivers: to the targets the user configured, else to a local
   * Alertmanager npm start runs when one is installed (`alertmanagerBin`), else it is not started.
   */
  readonly alertDelivery: { readonly kind: 'configured' } | { readonly kind: 'local-alertmanager'; readonly alertmanagerBin: string } | { readonly kind: 'none' };
  readonly inputWidth: number;
  readonly liveView: boolean;
  readonly alertsTopic: string;
  /** The first of INGEST_API_KEYS, which the generator sends; undefined when authentication is off. */
  readonly apiKey: string | undefined;
}

const portVariables = ['INGEST_PORT', 'INFERENCE_PORT', 'TRAINER_PORT', 'ALERTS_PORT'] as const;

/** Whether a server could listen on host:port now (false: something else holds it). */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

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

const endpoint = (c: { host: string; port: number }, variable: ServiceEndpoint['variable']): ServiceEndpoint => ({ url: reachable(c.host, c.port), host: c.host, port: c.port, variable });

const reachable = (host: string, port: number): string => {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
};

/**
 * Merges npm start's defaults under `environment` (the user's settings win) and parses the result
 * with the four services' schemas, so a bad value stops `npm start` before anything starts, with
 * the same message the service would give. Port 0 is replaced by a concrete free port (`pickPort`)
 * because the orchestrator must know where to wait for readiness.
 */
export async function startSettings(
  environment: Environment,
  brokers: string,
  pickPort: () => Promise<number> = freePort,
  installed: (path: string) => boolean = existsSync,
): Promise<StartSettings> {
  const env: Record<string, string> = { ...startDefaults };
  for (const [k, v] of Object.entries(environment)) if (v !== undefined) env[k] = v;
  env['KAFKA_BROKERS'] = brokers;
  // Blank is unset (the schema's default), as the services read it; only an explicit 0 picks a port.
  for (const variable of portVariables) if (env[variable] !== undefined && env[variable].trim() !== '' && Number(env[variable]) === 0) env[variable] = String(await pickPort());
  const ingest = loadConfig(ingestSchema, env);
  const ingestProblems = ingestConfigProblems(ingest);
  if (ingestProblems.length > 0) throw new ConfigError(ingestProblems);
  const inference = loadConfig(inferenceSchema, env);
  // An explicit thread count whose state shares are too small stops inference with EX_CONFIG.
  if (inference.threads > 1) threadConfig(inference, inference.threads);
  const trainer = loadConfig(trainerSchema, env);
  // The checks across settings too (TRAINER_K2 >= TRAINER_K1, ...): otherwise the trainer alone
  // would stop with them, after the broker and the other services had started.
  const trainerProblems = crossCheck(trainer);
  if (trainerProblems.length > 0) throw new ConfigError(trainerProblems);
  // The live view the alerts link to is this ingest's, unless the user points elsewhere.
  env['ALERTS_LIVE_VIEW_URL'] ??= `${reachable(ingest.host, ingest.port)}/live`;
  const alerts = loadConfig(alertsSchema, env);
  const alertsProblems = alertsConfigProblems(alerts, { targetRequired: false });
  if (alertsProblems.length > 0) throw new ConfigError(alertsProblems);
  const alertmanagerBin = env['ALERTMANAGER_BIN'] ?? defaultAlertmanagerBin;
  const alertDelivery: StartSettings['alertDelivery'] =
    alerts.alertmanagerUrls.length + alerts.webhookUrls.length > 0
      ? { kind: 'configured' }
      : installed(alertmanagerBin)
        ? { kind: 'local-alertmanager', alertmanagerBin }
        : { kind: 'none' };
  return {
    env,
    ingest: endpoint(ingest, 'INGEST_PORT'),
    inference: endpoint(inference, 'INFERENCE_PORT'),
    trainer: endpoint(trainer, 'TRAINER_PORT'),
    alerts: endpoint(alerts, 'ALERTS_PORT'),
    alertDelivery,
    inputWidth: ingest.inputWidth,
    liveView: ingest.liveView,
    alertsTopic: inference.alerts,
    apiKey: ingest.apiKeys[0],
  };
}
