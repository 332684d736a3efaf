import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { encodeAlert, type AlertV1 } from '@streamcell/events';
import { KafkaConnection, silentLogger, type KafkaProducer } from '@streamcell/kafka';
import { JsonLogger } from '@streamcell/observability';
import { testConfig, uniqueName, waitFor } from '@streamcell/testing';
import { createAlertsApp, startConsuming } from '../src/app.factory';
import { alertsConfigProblems, alertsSchema, type AlertsConfig } from '../src/config';

/** A request the webhook receiver got, with the checks a real receiver makes. */
export interface WebhookRequest {
  readonly body: string;
  readonly json: { idempotencyKey: string; alert: AlertV1; liveViewUrl: string; endsAt: string };
  readonly idempotencyKey: string | undefined;
  /** The signature verified against the body and the shared secret (computed here, not with the service's code). */
  readonly signatureValid: boolean;
  /** Age of the signed timestamp when it arrived (s). */
  readonly signatureAgeS: number;
}

/** What the receiver does with a request: answer with a status, or hold it (and never answer). */
export type WebhookAnswer = number | 'hold';

/** A webhook endpoint for tests: verifies each request's HMAC signature, records it, answers as told. */
export class WebhookReceiver {
  readonly requests: WebhookRequest[] = [];
  private readonly server: Server;
  private readonly held: ServerResponse[] = [];

  constructor(
    private readonly secret: string,
    private readonly answer: (request: WebhookRequest) => WebhookAnswer = () => 200,
  ) {
    this.server = createServer((req, res) => void this.receive(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  keysFor(stream: string): string[] {
    return this.requests.filter((r) => r.json.alert.stream === stream).map((r) => r.idempotencyKey ?? '');
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const header = String(req.headers['x-streamcell-signature'] ?? '');
    const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
    const t = Number(parts.t);
    const expected = createHmac('sha256', this.secret).update(`${parts.t}.${body}`).digest();
    const given = Buffer.from(parts.v1 ?? '', 'hex');
    const request: WebhookRequest = {
      body,
      json: JSON.parse(body) as WebhookRequest['json'],
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      signatureValid: given.length === expected.length && timingSafeEqual(given, expected),
      signatureAgeS: Date.now() / 1000 - t,
    };
    this.requests.push(request);
    const answer = this.answer(request);
    if (answer === 'hold') {
      this.held.push(res);
      return;
    }
    res.writeHead(answer, { 'content-type': 'application/json' }).end('{}');
  }
}

/** An alert as inference writes it, for `stream` at `ts`. */
export function anomaly(stream: string, ts = Date.now(), score = 9.25): AlertV1 {
  return { stream, ts, rule: 'residual_zscore', score, threshold: 1.5, residual: 4.75, expected: [1, 2, 3], actual: [1, 9.5, 3], model: { name: 'default', version: 4 } };
}

/** Settings of one test's service: its own topics and group, fast retries, the given targets. */
export function alertsTestConfig(overrides: Record<string, string>): AlertsConfig {
  const id = uniqueName('alerts');
  const config = testConfig(alertsSchema, {
    TOPIC_ALERTS: `${id}.alerts`,
    TOPIC_ALERTS_DLQ: `${id}.alerts.dlq`,
    EVENTS_PARTITIONS: '2',
    ALERTS_GROUP_ID: `${id}-group`,
    ALERTS_HOST: '127.0.0.1',
    ALERTS_PORT: '0',
    ALERTS_BACKOFF_INITIAL_MS: '100',
    ALERTS_BACKOFF_MAX_MS: '1000',
    ALERTS_DELIVERY_TIMEOUT_MS: '2000',
    ...overrides,
  });
  const problems = alertsConfigProblems(config);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return config;
}

/** The service, in process, started as main.ts does (HTTP first, then topics and the consumer). */
export async function startAlertsService(config: AlertsConfig): Promise<{ app: NestFastifyApplication; url: string }> {
  const logger = new JsonLogger('alerts', config.logLevel);
  const app = await createAlertsApp(config, logger);
  await app.listen({ host: config.host, port: config.port });
  const url = await app.getUrl();
  await startConsuming(app, config, logger);
  await waitFor('alerts service ready', async () => (await fetch(`${url}/health/ready`)).ok, { timeoutMs: 60_000 });
  return { app, url };
}

/** A producer that writes to `alerts` as inference does (key = stream id). */
export async function alertsProducer(config: AlertsConfig): Promise<{ producer: KafkaProducer; send: (a: AlertV1 | string, key?: string) => Promise<void> }> {
  const producer = new KafkaConnection(config, silentLogger, 'test-producer').producer({ maxQueuedMessages: 1000, ackTimeoutMs: 30_000 });
  await producer.connect();
  return {
    producer,
    send: (a, key) =>
      producer.send([{ topic: config.alerts, messages: [{ key: typeof a === 'string' ? (key ?? null) : a.stream, value: typeof a === 'string' ? a : encodeAlert(a) }] }]),
  };
}

/** One sample of a counter or gauge from /metrics (0 when absent). */
export async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** Committed offsets of the service's group on `alerts`, summed over partitions (-1 = none counts as 0). */
export async function committedCount(config: AlertsConfig): Promise<number> {
  const admin = new KafkaConnection(config, silentLogger, 'test-admin').admin();
  try {
    const offsets = await admin.committedOffsets(config.groupId, config.alerts);
    let sum = 0n;
    for (const o of offsets.values()) if (o > 0n) sum += o;
    return Number(sum);
  } finally {
    await admin.disconnect();
  }
}
