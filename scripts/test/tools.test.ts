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
});
