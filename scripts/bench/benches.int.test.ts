import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every `bench:*` script of package.json, run through npm in its small mode, must end with its
 * JSON summary line: a benchmark that no longer starts (a stale import, a renamed API) fails the
 * build instead of being found broken by the next person who wants numbers. Benchmarks that need
 * Kafka use KAFKA_BROKERS (set by `npm test`). Peers that are not installed (PyTorch) report null.
 */
const root = join(__dirname, '..', '..');
const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts).filter((s) =>
  s.startsWith('bench:'),
);

/** Fields each known summary line must carry (a new benchmark is still run and must print JSON). */
const expectedFields: Record<string, string[]> = {
  'bench:ingest': ['eventsPerSec', 'baselineEventsPerSec', 'ratio'],
  'bench:model': ['lstm128b64'],
  'bench:pipeline': ['eosEventsPerSec', 'passthroughEventsPerSec', 'eosRatio', 'p50Ms', 'p99Ms'],
  'bench:trainer': ['itersPerSec', 'backend', 'eventsPerSec', 'pytorchItersPerSec', 'ratio'],
  'bench:restore': ['streams', 'coldSeconds', 'readSeconds', 'warmSeconds', 'rssMb', 'killToCommitSeconds'],
  'bench:quality': ['mae', 'naiveMae', 'seasonalMae', 'peerMae', 'recoverySeconds', 'alertRecall', 'alertPrecision'],
};

/**
 * Fields that small mode must actually measure: a finite number above 0, never null. (Peers that
 * may be missing on a machine, PyTorch and River, are allowed null and are not listed here.) A
 * benchmark whose measuring path silently yields null or NaN is broken even though it printed.
 */
const measuredFields: Record<string, string[]> = {
  'bench:ingest': ['eventsPerSec', 'baselineEventsPerSec', 'ratio'],
  'bench:pipeline': ['eosEventsPerSec', 'passthroughEventsPerSec', 'eosRatio', 'p99Ms', 'alosEventsPerSec', 'alosRatio', 'alosP99Ms'],
  'bench:trainer': ['itersPerSec', 'eventsPerSec'],
  'bench:restore': ['streams', 'coldSeconds', 'readSeconds', 'warmSeconds', 'rssMb', 'killToCommitSeconds'],
  'bench:quality': ['mae', 'naiveMae', 'seasonalMae', 'alertRecall', 'alertPrecision'],
};

/** Measured values nested in a summary: bench:model's own engine's rate in its lstm128b64 table. */
const nestedMeasured: Record<string, (summary: Record<string, unknown>) => [string, unknown][]> = {
  'bench:model': (s) => [[`lstm128b64.${String(s['engine'])}`, (s['lstm128b64'] as Record<string, unknown> | undefined)?.[String(s['engine'])]]],
};

function runSmall(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script, '--', '--small'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('benchmarks (small mode)', () => {
  it('package.json has the benchmarks the docs name', () => {
    for (const name of Object.keys(expectedFields)) assert.ok(scripts.includes(name), name);
  });

  for (const script of scripts) {
    // The timeout is the only bound on a small run's time: a wall-clock assertion would fail a
    // correct run on a loaded machine. Each run's time is printed, to see one grow.
    it(`${script} -- --small ends with its JSON summary`, { timeout: 180_000 }, async (t) => {
      const started = Date.now();
      const { code, stdout, stderr } = await runSmall(script);
      assert.equal(code, 0, `${script} exited with ${code}:\n${stderr.slice(-2000)}`);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      const summary = JSON.parse(last) as Record<string, unknown>;
      assert.equal(typeof summary['bench'], 'string', last);
      for (const field of expectedFields[script] ?? []) assert.ok(field in summary, `${script}: no "${field}" in ${last}`);
      const measured: [string, unknown][] = [...(measuredFields[script] ?? []).map((f): [string, unknown] => [f, summary[f]]), ...(nestedMeasured[script]?.(summary) ?? [])];
      for (const [field, value] of measured) {
        assert.ok(typeof value === 'number' && Number.isFinite(value) && value > 0, `${script}: "${field}" was not measured (${String(value)}) in ${last}`);
      }
      t.diagnostic(`${script} --small took ${Date.now() - started} ms`);
    });
  }
});
