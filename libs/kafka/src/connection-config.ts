import { readFileSync } from 'node:fs';
import { ConfigError, env, type ConfigOf } from '@streamcell/config';

/** host:port with a port in 1–65535 (an IPv6 host in brackets); kafkajs retried "host" for ever. */
export function isHostPort(item: string): boolean {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]/]+):(\d{1,5})$/.exec(item);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65_535;
}

/**
 * Connection settings shared by every app. Plaintext on loopback by default; TLS and SASL
 * (PLAIN, SCRAM-SHA-256/512) for real clusters.
 */
export const kafkaConnectionSchema = {
  brokers: env.list('KAFKA_BROKERS', { default: ['127.0.0.1:9092'], minItems: 1, item: { expected: 'host:port', check: isHostPort }, doc: 'Bootstrap brokers, host:port, comma-separated.' }),
  clientId: env.string('KAFKA_CLIENT_ID', { default: 'streamcell', pattern: /^[A-Za-z0-9._-]+$/, doc: 'Client id prefix sent to the brokers.' }),
  ssl: env.bool('KAFKA_SSL', { default: false, doc: 'Connect with TLS.' }),
  sslCaFile: env.optionalString('KAFKA_SSL_CA_FILE', { doc: 'PEM file of CA certificates to trust (TLS).' }),
  sslCertFile: env.optionalString('KAFKA_SSL_CERT_FILE', { doc: 'PEM client certificate for mutual TLS.' }),
  sslKeyFile: env.optionalString('KAFKA_SSL_KEY_FILE', { doc: 'PEM client key for mutual TLS.' }),
  sslRejectUnauthorized: env.bool('KAFKA_SSL_REJECT_UNAUTHORIZED', { default: true, doc: 'Verify the broker certificate.' }),
  saslMechanism: env.oneOf('KAFKA_SASL_MECHANISM', ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const, {
    default: 'none',
    doc: 'SASL mechanism.',
  }),
  saslUsername: env.optionalString('KAFKA_SASL_USERNAME', { doc: 'SASL user name.' }),
  saslPassword: env.optionalString('KAFKA_SASL_PASSWORD', { doc: 'SASL password.' }),
  connectionTimeoutMs: env.int('KAFKA_CONNECTION_TIMEOUT_MS', { default: 3000, min: 100, max: 120000, doc: 'TCP connect timeout (ms).' }),
  requestTimeoutMs: env.int('KAFKA_REQUEST_TIMEOUT_MS', { default: 30000, min: 100, max: 300000, doc: 'Request timeout (ms).' }),
};

export type KafkaConnectionConfig = ConfigOf<typeof kafkaConnectionSchema>;

export interface TlsOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export type SaslOptions =
  | { mechanism: 'plain'; username: string; password: string }
  | { mechanism: 'scram-sha-256'; username: string; password: string }
  | { mechanism: 'scram-sha-512'; username: string; password: string };

/**
 * Resolves TLS files and checks SASL credentials. Throws a ConfigError naming the variables to fix,
 * so a service stops with EX_CONFIG like any other bad setting rather than with a stack trace.
 */
export function resolveSecurity(cfg: KafkaConnectionConfig): { ssl: TlsOptions | undefined; sasl: SaslOptions | undefined } {
  const read = (file: string | undefined, variable: string): string | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError([`${variable}=${file} cannot be read: ${(e as Error).message}`]);
    }
  };
  const ssl: TlsOptions | undefined = cfg.ssl
    ? {
        rejectUnauthorized: cfg.sslRejectUnauthorized,
        ...(cfg.sslCaFile !== undefined ? { ca: [read(cfg.sslCaFile, 'KAFKA_SSL_CA_FILE') ?? ''] } : {}),
        ...(cfg.sslCertFile !== undefined ? { cert: read(cfg.sslCertFile, 'KAFKA_SSL_CERT_FILE') } : {}),
        ...(cfg.sslKeyFile !== undefined ? { key: read(cfg.sslKeyFile, 'KAFKA_SSL_KEY_FILE') } : {}),
      }
    : undefined;
  if (cfg.saslMechanism === 'none') return { ssl, sasl: undefined };
  if (cfg.saslUsername === undefined || cfg.saslPassword === undefined) {
    throw new ConfigError([`KAFKA_SASL_MECHANISM=${cfg.saslMechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`]);
  }
  return { ssl, sasl: { mechanism: cfg.saslMechanism, username: cfg.saslUsername, password: cfg.saslPassword } };
}
