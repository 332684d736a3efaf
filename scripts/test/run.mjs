#!/usr/bin/env node
// `npm test`: the one test command. On a fresh clone it first installs what is missing (programs
// the selected tests need — promtool, Prometheus, Chromium, Java, Maven — with apt-get when run as
// root, else it says what to install and stops; npm packages when node_modules is absent or stale;
// the Kafka broker jars when not cached) and skips that work when nothing changed. Then: type check, lint, unit tests, and integration/end-to-end
// tests against a real Kafka broker. Ends with one summary line: "streamcell: N passed, N failed".
//
// Broker choice for integration tests: KAFKA_BROKERS set -> use it; else a reachable Docker
// engine -> @testcontainers/kafka; else the local Apache Kafka jars (scripts/kafka/kafka.sh).
//
// Usage: npm test [-- --only unit|integration|static] [-- <path substring> ...]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeModules } from '../lib/deps.mjs';
import { ensureSupportedNode } from '../lib/node.mjs';
import { ensurePythonPackages, ensureSystemTools, installInstructions, pythonInstructions } from './tools.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
process.chdir(root);
await ensureSupportedNode(root, fileURLToPath(import.meta.url), process.argv.slice(2));

const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
const filters = args.filter((a, i) => !a.startsWith('--') && (onlyIdx < 0 || i !== onlyIdx + 1));
const want = (step) => only === undefined || only === step;

const results = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const say = (msg) => process.stdout.write(`\n== ${msg}\n`);

function sh(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', ...opts });
  return r.status === 0;
}

// ---- 2. test discovery ---------------------------------------------------------------------
function findTests() {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'dist') continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.test.ts')) out.push(relative(root, p));
    }
  };
  for (const d of ['apps', 'libs', 'test', 'scripts']) if (existsSync(d)) walk(d);
  const matching = out.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
  return {
    unit: matching.filter((f) => !f.endsWith('.int.test.ts') && !f.endsWith('.e2e.test.ts')),
    integration: matching.filter((f) => f.endsWith('.int.test.ts') || f.endsWith('.e2e.test.ts')),
  };
}

// ---- 3. running node:test and counting ----------------------------------------------------
// A test file that leaves a handle open never exits; the whole tier is bounded instead (and counted
// as a failure) so CI always ends. --test-force-exit would cut the TAP summary this counts from.
const tierTimeoutMs = Number(process.env.STREAMCELL_TEST_TIER_TIMEOUT_MS ?? 45 * 60_000);

function runNodeTests(label, files, extraArgs, env) {
  return new Promise((resolve) => {
    if (files.length === 0) return resolve();
    say(`${label}: ${files.length} file(s)`);
    const tapDir = join(tmpdir(), 'streamcell-test');
    mkdirSync(tapDir, { recursive: true });
    const tap = join(tapDir, `${label}-${process.pid}.tap`);
    const child = spawn(
      process.execPath,
      ['-r', './scripts/register.cjs', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
        '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...extraArgs, ...files],
      { stdio: 'inherit', env: { ...process.env, ...env } },
    );
    const guard = setTimeout(() => {
      failures.push(`${label}: still running after ${tierTimeoutMs / 60_000} min; killed`);
      child.kill('SIGKILL');
    }, tierTimeoutMs);
    child.on('exit', (code) => {
      clearTimeout(guard);
      const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
      const count = (name) => Number((text.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
      const pass = count('pass');
      const fail = count('fail') + count('cancelled');
      results.passed += pass;
      results.failed += fail;
      results.skipped += count('skipped');
      if (code !== 0 && fail === 0) {
        results.failed += 1;
        failures.push(`${label}: test runner exited with ${code}`);
      } else if (fail > 0) failures.push(`${label}: ${fail} failed`);
      rmSync(tap, { force: true });
      resolve();
    });
  });
}

// ---- 4. the broker ------------------------------------------------------------------------
async function startBroker() {
  if (process.env.KAFKA_BROKERS) {
    say(`using the broker(s) in KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    return { brokers: process.env.KAFKA_BROKERS, stop: async () => {} };
  }
  const docker = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
  if (docker.status === 0) {
    say('starting Kafka with @testcontainers/kafka (Docker engine found)');
    const require = createRequire(import.meta.url);
    const { KafkaContainer } = require('@testcontainers/kafka');
    const container = await new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start();
    return { brokers: `${container.getHost()}:${container.getMappedPort(9093)}`, stop: () => container.stop() };
  }
  const port = process.env.STREAMCELL_TEST_KAFKA_PORT ?? '29092';
  say(`starting a local Apache Kafka broker from Maven Central jars on 127.0.0.1:${port} (no Docker engine)`);
  const env = { ...process.env, KAFKA_PORT: port, KAFKA_CONTROLLER_PORT: String(Number(port) + 1) };
  if (!sh('bash', ['scripts/kafka/kafka.sh', 'up'], { env })) throw new Error('could not start the local Kafka broker');
  return { brokers: `127.0.0.1:${port}`, stop: async () => void sh('bash', ['scripts/kafka/kafka.sh', 'down'], { env }) };
}

// ---- main ---------------------------------------------------------------------------------
let broker;
const stopBroker = async () => {
  const b = broker;
  broker = undefined;
  if (b) await b.stop();
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    void stopBroker().finally(() => process.exit(130));
  });
}

try {
  const tests = findTests();
  const selected = [...(want('unit') ? tests.unit : []), ...(want('integration') ? tests.integration : [])];
  const missing = ensureSystemTools(selected);
  if (missing.length > 0) {
    process.stdout.write(`\n${installInstructions(missing)}\n`);
    throw new Error(`missing programs: ${missing.map((t) => t.name).join(', ')} (see above)`);
  }
  const missingPython = ensurePythonPackages(selected);
  if (missingPython.length > 0) {
    process.stdout.write(`\n${pythonInstructions(missingPython)}\n`);
    throw new Error(`missing Python packages: ${missingPython.map((p) => p.name).join(', ')} (see above)`);
  }
  ensureNodeModules(root);
  if (want('static')) {
    say('type check (tsc --noEmit)');
    if (!sh(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit'])) {
      results.failed += 1;
      failures.push('type check');
    } else results.passed += 1;
    say('lint (eslint, zero warnings)');
    if (!sh(process.execPath, ['node_modules/eslint/bin/eslint.js', '--max-warnings=0', '.'])) {
      results.failed += 1;
      failures.push('lint');
    } else results.passed += 1;
  }
  if (want('unit')) await runNodeTests('unit', tests.unit, ['--test-timeout=120000'], {});
  if (want('integration') && tests.integration.length > 0) {
    broker = await startBroker();
    await runNodeTests('integration', tests.integration, ['--test-concurrency=1', '--test-timeout=600000'], {
      KAFKA_BROKERS: broker.brokers,
    });
  }
} catch (e) {
  results.failed += 1;
  failures.push(String(e instanceof Error ? e.message : e));
} finally {
  await stopBroker();
}

process.stdout.write('\n');
if (failures.length > 0) process.stdout.write(`failures:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
const skipped = results.skipped > 0 ? `, ${results.skipped} skipped` : '';
process.stdout.write(`streamcell: ${results.passed} passed, ${results.failed} failed${skipped}\n`);
process.exit(results.failed > 0 ? 1 : 0);
