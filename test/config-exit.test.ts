import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(__dirname, '..');

/** Runs a service's main with `env` added and collects its exit code and stderr. */
function runMain(app: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-r', './scripts/register.cjs', `apps/${app}/src/main.ts`], {
      cwd: root,
      // Port 0 and an unreachable broker: nothing may be contacted before the check fails.
      env: { ...process.env, PORT: '0', KAFKA_BROKERS: '127.0.0.1:1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr });
    });
  });
}

// A security setting is only resolved when a service builds its Kafka clients, after the schema
// check; it must still stop the service as a configuration error (78, the message, no stack).
describe('a SASL mechanism without credentials', () => {
  const alertsTarget = { ALERTS_WEBHOOK_URLS: 'http://127.0.0.1:1/hook', ALERTS_WEBHOOK_SECRET: 'a-secret-of-sixteen-chars-or-more' };
  for (const app of ['ingest', 'inference', 'trainer', 'alerts']) {
    it(`stops ${app} with EX_CONFIG and names the variables`, async () => {
      const { code, stderr } = await runMain(app, { KAFKA_SASL_MECHANISM: 'scram-sha-256', ...(app === 'alerts' ? alertsTarget : {}) });
      assert.equal(code, 78, stderr);
      assert.match(stderr, /KAFKA_SASL_MECHANISM=scram-sha-256 needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    });
  }
});
