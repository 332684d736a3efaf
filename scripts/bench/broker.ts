import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The broker a benchmark runs against: KAFKA_BROKERS when set, else a local Kafka started from the
 * cached jars on its own port (stopped again by `stop`).
 */
export function benchBroker(port = 29292, settings: Record<string, string> = {}): { brokers: string; stop: () => void } {
  const given = process.env.KAFKA_BROKERS;
  if (given !== undefined && given !== '') return { brokers: given, stop: () => undefined };
  const script = resolve(__dirname, '../kafka/kafka.sh');
  // `settings`: kafka.sh's KAFKA_* environment (e.g. KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS).
  const env = { ...process.env, ...settings, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1) };
  execFileSync('bash', [script, 'up'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  return { brokers: `127.0.0.1:${port}`, stop: () => execFileSync('bash', [script, 'down'], { env, stdio: 'ignore' }) };
}

export function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
