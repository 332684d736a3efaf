import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = resolve(__dirname, '../../../scripts/kafka/kafka.sh');

/** Bootstrap brokers for integration tests; `npm test` sets KAFKA_BROKERS to the broker it started or found. */
export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (brokers === undefined || brokers.trim() === '') {
    throw new Error('KAFKA_BROKERS is not set: run integration tests through `npm test`, which starts a broker');
  }
  return brokers.split(',').map((b) => b.trim());
}

/**
 * A broker of the test's own (local jars, its own port and data dir), for tests that must stop and
 * restart Kafka without disturbing the shared one other tests use.
 */
export class DedicatedBroker {
  private readonly env: NodeJS.ProcessEnv;

  constructor(readonly port: number) {
    this.env = {
      ...process.env,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(port + 1),
      KAFKA_DATA_DIR: mkdtempSync(join(tmpdir(), `streamcell-broker-${port}-`)),
      KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m',
    };
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** First start formats fresh storage; later starts keep the data (a restart). */
  async start(): Promise<void> {
    await run('bash', [script, 'start'], { env: this.env, timeout: 180_000 });
  }

  async stop(): Promise<void> {
    await run('bash', [script, 'down'], { env: this.env, timeout: 60_000 });
  }
}
