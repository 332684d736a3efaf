// The programs outside npm that the selected tests need (promtool, Prometheus, Alertmanager, Chromium, and Java +
// Maven for the local broker), so `npm test` on a fresh machine does its own set-up: as root with
// apt-get it installs the missing ones (one `apt-get update`, one `apt-get install`); otherwise it
// prints exactly what to install and how, and stops before running any test (a missing program
// would otherwise surface as a handful of unrelated-looking test failures minutes later).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export function onPath(cmd, env = process.env) {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, cmd)));
}

const cacheDir = (env) => env.STREAMCELL_CACHE ?? join(homedir(), '.cache', 'streamcell');
const wantsLocalBroker = (env) => !env.KAFKA_BROKERS && !onPath('docker', env);

/**
 * Each tool: which selected test files need it (path substrings of test files, checked to exist by
 * tools.test.ts), how to tell it is there, the Debian package that provides it, and what to say
 * elsewhere.
 */
export const systemTools = [
  {
    name: 'promtool',
    neededBy: (files) => files.some((f) => f.endsWith('test/deploy/promtool.test.ts')),
    present: (env) => onPath('promtool', env),
    debian: 'prometheus',
    elsewhere: 'promtool from https://prometheus.io/download/ on PATH',
  },
  {
    name: 'prometheus',
    neededBy: (files) => files.some((f) => f.endsWith('test/deploy/prometheus.int.test.ts')),
    present: (env) => existsSync(env.PROMETHEUS_BIN ?? '/usr/bin/prometheus'),
    debian: 'prometheus',
    elsewhere: 'prometheus from https://prometheus.io/download/, with PROMETHEUS_BIN=<path> when not /usr/bin/prometheus',
  },
  {
    name: 'alertmanager',
    neededBy: (files) => files.some((f) => f.includes('apps/alerts/test/') && f.endsWith('.int.test.ts')),
    present: (env) => existsSync(env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager'),
    debian: 'prometheus-alertmanager',
    elsewhere: 'Alertmanager from https://prometheus.io/download/, with ALERTMANAGER_BIN=<path> when not /usr/bin/prometheus-alertmanager',
  },
  {
    name: 'chromium',
    neededBy: (files) => files.some((f) => f.endsWith('test/live-view.e2e.test.ts')),
    present: (env) => existsSync(env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    debian: 'chromium',
    elsewhere: 'Chromium or Chrome, with CHROMIUM_PATH=<path> when not /usr/bin/chromium',
  },
  {
    name: 'java',
    neededBy: (files, env) => files.some((f) => f.endsWith('.int.test.ts') || f.endsWith('.e2e.test.ts')) && wantsLocalBroker(env),
    present: (env) => onPath('java', env),
    debian: 'openjdk-17-jre-headless',
    elsewhere: 'Java 17+ on PATH (or set KAFKA_BROKERS to a running broker)',
  },
  {
    name: 'mvn',
    neededBy: (files, env) =>
      files.some((f) => f.endsWith('.int.test.ts') || f.endsWith('.e2e.test.ts')) &&
      wantsLocalBroker(env) &&
      !existsSync(join(cacheDir(env), 'kafka-3.9.1', '.complete')),
    present: (env) => onPath('mvn', env),
    debian: 'maven',
    elsewhere: 'Maven on PATH, once, to fetch the Kafka broker jars (or set KAFKA_BROKERS)',
  },
];

/** The tools the given test files need and this machine lacks. */
export function missingTools(files, env = process.env, tools = systemTools) {
  return tools.filter((t) => t.neededBy(files, env) && !t.present(env));
}

/** The exact instructions for a user who must install `missing` themselves. */
export function installInstructions(missing) {
  const packages = [...new Set(missing.map((t) => t.debian))];
  return [
    `npm test needs programs this machine lacks: ${missing.map((t) => t.name).join(', ')}.`,
    'On Debian or Ubuntu, install them with:',
    `  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`,
    '(or run npm test as root, which does that itself). Elsewhere install:',
    ...missing.map((t) => `  - ${t.name}: ${t.elsewhere}`),
    'Parts that need none of them still run alone, e.g. `npm test -- --only static` or `npm test -- ingest`.',
  ].join('\n');
}

/**
 * Installs what is missing when it can (root and apt-get), and returns the tools still missing
 * afterwards (empty when everything is there).
 */
export function ensureSystemTools(files, { env = process.env, isRoot = process.getuid?.() === 0, log = (m) => process.stdout.write(`${m}\n`), run = spawnSync } = {}) {
  const missing = missingTools(files, env);
  if (missing.length === 0) return [];
  if (!isRoot || !onPath('apt-get', env)) return missing;
  const packages = [...new Set(missing.map((t) => t.debian))];
  log(`\n== installing with apt-get (running as root): ${packages.join(' ')}`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = run('apt-get', ['update', '-qq'], { stdio: 'inherit', env: aptEnv });
  if (update.status === 0) run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env: aptEnv });
  return missingTools(files, env);
}

/**
 * Python packages (PyPI) that tests need: the River peer of bench:quality. The benchmark itself
 * reports null without it, but its tests would have to be skipped, so npm test installs it with
 * pip when python3 is there (a user install when not root; Debian's externally managed Python
 * needs --break-system-packages for that), and otherwise says what to install.
 */
export const pythonPackages = [
  {
    name: 'river',
    requirement: 'river==0.26.1',
    neededBy: (files) => files.some((f) => f.endsWith('scripts/bench/quality/peer.test.ts')),
    present: (run = spawnSync) => run('python3', ['-c', 'import river'], { stdio: 'ignore' }).status === 0,
  },
];

/** Installs the missing Python packages the given test files need; returns those still missing. */
export function ensurePythonPackages(files, { isRoot = process.getuid?.() === 0, log = (m) => process.stdout.write(`${m}\n`), run = spawnSync, packages = pythonPackages } = {}) {
  const missing = () => packages.filter((p) => p.neededBy(files) && !p.present(run));
  const wanted = missing();
  if (wanted.length === 0) return [];
  if (run('python3', ['-m', 'pip', '--version'], { stdio: 'ignore' }).status !== 0) return wanted;
  const requirements = wanted.map((p) => p.requirement);
  log(`\n== installing with pip: ${requirements.join(' ')}`);
  const base = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...(isRoot ? [] : ['--user'])];
  const attempts = [base, [...base, '--break-system-packages']];
  for (const args of attempts) {
    if (run('python3', [...args, ...requirements], { stdio: 'inherit' }).status === 0) break;
  }
  return missing();
}

/** What to run by hand when pip could not install them. */
export function pythonInstructions(missing) {
  return [
    `npm test needs Python packages this machine lacks: ${missing.map((p) => p.name).join(', ')}.`,
    `Install them with: python3 -m pip install ${missing.map((p) => p.requirement).join(' ')}`,
    '(on Debian or Ubuntu, python3 and pip first: sudo apt-get install -y python3 python3-pip).',
  ].join('\n');
}

