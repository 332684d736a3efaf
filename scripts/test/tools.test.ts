import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@streamcell/testing';
import type * as Tools from './tools.mjs';

const root = join(__dirname, '..', '..');
const load = (): Promise<typeof Tools> => import('./tools.mjs');

/** An environment whose PATH holds only fake executables named `names` (nothing real is found). */
function fakePath(names: string[]): NodeJS.ProcessEnv {
  const dir = tempDir('streamcell-tools-');
  for (const n of names) writeFileSync(join(dir, n), '#!/bin/sh\n', { mode: 0o755 });
  return {
    PATH: dir,
    PROMETHEUS_BIN: join(dir, 'no-prometheus'),
    ALERTMANAGER_BIN: join(dir, 'no-alertmanager'),
    CHROMIUM_PATH: join(dir, 'no-chromium'),
    KAFKA_BROKERS: 'b:1',
  };
}

const deployFiles = ['test/deploy/promtool.test.ts', 'test/deploy/prometheus.int.test.ts', 'apps/alerts/test/alerts.int.test.ts', 'test/live-view.e2e.test.ts'];

describe('npm test set-up of programs outside npm', () => {
  it('names test files that exist (a renamed test must not silently lose its tool)', () => {
    for (const f of deployFiles) assert.ok(existsSync(join(root, f)), f);
  });

  it('finds promtool, Prometheus, Alertmanager and Chromium missing on a bare machine, only for the tests that need them', async () => {
    const { missingTools } = await load();
    const env = fakePath([]);
    assert.deepEqual(missingTools(deployFiles, env).map((t) => t.name), ['promtool', 'prometheus', 'alertmanager', 'chromium']);
    assert.deepEqual(missingTools(['apps/ingest/src/x.test.ts'], env), []);
    // Only the alerts service's integration tests start an Alertmanager; its unit tests do not.
    assert.deepEqual(missingTools(['apps/alerts/src/alert-pipeline.test.ts'], env), []);
    assert.deepEqual(missingTools(['apps/alerts/test/alerts-outage.int.test.ts'], env).map((t) => t.name), ['alertmanager']);
  });

  it('asks for Java and Maven only when it must start a local broker', async () => {
    const { missingTools } = await load();
    const env = { ...fakePath([]), KAFKA_BROKERS: undefined, STREAMCELL_CACHE: tempDir('streamcell-cache-') };
    assert.deepEqual(missingTools(['apps/x.int.test.ts'], env).map((t) => t.name), ['java', 'mvn']);
    assert.deepEqual(missingTools(['apps/x.int.test.ts'], { ...env, KAFKA_BROKERS: 'b:1' }), []);
  });

  it('as root with apt-get: one update, one install of the Debian packages, then checks again', async () => {
    const { ensureSystemTools } = await load();
    const env = fakePath(['apt-get']);
    const calls: string[] = [];
    const still = ensureSystemTools(deployFiles, {
      env,
      isRoot: true,
      log: () => undefined,
      run: (cmd, args) => {
        calls.push([cmd, ...args].join(' '));
        return { status: 0 };
      },
    });
    assert.deepEqual(calls, ['apt-get update -qq', 'apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager chromium']);
    assert.equal(still.length, 4); // the fake apt-get installed nothing, and that is reported
  });

  it('as a user: installs nothing and says exactly what to install and how', async () => {
    const { ensureSystemTools, installInstructions } = await load();
    const still = ensureSystemTools(deployFiles, { env: fakePath(['apt-get']), isRoot: false, run: () => assert.fail('must not run apt-get') });
    const text = installInstructions(still);
    assert.match(text, /sudo apt-get update && sudo apt-get install -y --no-install-recommends prometheus prometheus-alertmanager chromium/);
    assert.match(text, /PROMETHEUS_BIN/);
    assert.match(text, /ALERTMANAGER_BIN/);
    assert.match(text, /CHROMIUM_PATH/);
  });

  it('installs a missing Python package with pip, as a user install when not root, and retries for an externally managed Python', async () => {
    const { ensurePythonPackages, pythonInstructions, pythonPackages } = await load();
    assert.ok(existsSync(join(root, 'scripts/bench/quality/peer.test.ts')), 'the test that needs River exists');
    let installed = false;
    const calls: string[] = [];
    const run = (cmd: string, args: readonly string[]): { status: number } => {
      const line = [cmd, ...args].join(' ');
      calls.push(line);
      if (line === 'python3 -c import river') return { status: installed ? 0 : 1 };
      if (line.includes('pip install')) {
        // Debian's Python refuses the first, plain user install.
        installed = line.includes('--break-system-packages');
        return { status: installed ? 0 : 1 };
      }
      return { status: 0 }; // pip --version
    };
    const still = ensurePythonPackages(['scripts/bench/quality/peer.test.ts'], { isRoot: false, log: () => undefined, run });
    assert.deepEqual(still, []);
    assert.deepEqual(calls.filter((c) => c.includes('pip install')), [
      'python3 -m pip install --quiet --disable-pip-version-check --user river==0.26.1',
      'python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages river==0.26.1',
    ]);
    assert.deepEqual(ensurePythonPackages(['apps/ingest/src/x.test.ts'], { run: () => ({ status: 1 }), log: () => undefined }), [], 'not needed');
    const none = ensurePythonPackages(['scripts/bench/quality/peer.test.ts'], { run: () => ({ status: 1 }), log: () => undefined });
    assert.deepEqual(none.map((p) => p.name), ['river'], 'no pip: still missing');
    assert.match(pythonInstructions(none), /python3 -m pip install river==0\.26\.1/);
    assert.equal(pythonPackages.length, 1);
  });
});

