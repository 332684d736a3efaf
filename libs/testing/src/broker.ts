import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './temp-dir';

const run = promisify(execFile);
const script = resolve(__dirname, '../../../scripts/kafka/kafka.sh');

/** Whether every thread of the process is stopped (Linux /proc; elsewhere assumed so). */
function stopped(pid: number): boolean {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    return tasks.every((t) => /^\d+ \(.*\) [Tt] /.test(readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')));
  } catch {
    return true;
  }
}

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
      KAFKA_DATA_DIR: tempDir(`streamcell-broker-${port}-`),
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
    await this.resume().catch(() => undefined);
    await run('bash', [script, 'down'], { env: this.env, timeout: 60_000 });
  }

  /**
   * Freezes the broker process (SIGSTOP): connections stay open and requests pile up unanswered,
   * as with a long GC pause or a partitioned network. `resume()` lets it answer them late.
   */
  async pause(): Promise<void> {
    const pid = this.pid();
    process.kill(pid, 'SIGSTOP');
    // kill() returns before every thread of the JVM has stopped: a request sent in that window
    // may still be answered (seen in CI under load). Wait until the kernel reports it stopped.
    const deadline = Date.now() + 5000;
    while (!stopped(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  resume(): Promise<void> {
    process.kill(this.pid(), 'SIGCONT');
    return Promise.resolve();
  }

  private pid(): number {
    return Number(readFileSync(join(this.env.KAFKA_DATA_DIR!, 'kafka.pid'), 'utf8').trim());
  }
}
