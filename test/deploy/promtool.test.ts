import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dashboardExprs } from './queries';
import { deployDir } from './support';

// `promtool` comes with the Debian package `prometheus` (.ci/run installs it when missing).

function promtool(args: string[]): { ok: boolean; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error !== undefined) throw new Error(`promtool not runnable (${r.error.message}); install the Debian package prometheus`);
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

const rulesDir = join(deployDir, 'prometheus', 'rules');
const ruleFiles = readdirSync(rulesDir).filter((f) => f.endsWith('.yaml')).map((f) => join(rulesDir, f));

describe('promtool', () => {
  it('check rules: the alert rules are valid', () => {
    assert.ok(ruleFiles.length > 0);
    const r = promtool(['check', 'rules', ...ruleFiles]);
    assert.ok(r.ok, r.output);
    assert.match(r.output, /SUCCESS: \d+ rules found/);
  });

  it('check config: the compose scrape config (and the rule files it loads) is valid', () => {
    const r = promtool(['check', 'config', join(deployDir, 'prometheus', 'prometheus.yml')]);
    assert.ok(r.ok, r.output);
  });

  it('test rules: alerts fire on the series they are meant for, and only after their hold time', () => {
    const r = promtool(['test', 'rules', join(__dirname, 'fixtures', 'alert-rules.test.yaml')]);
    assert.ok(r.ok, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  // A ratio of two rates has no value while its numerator has no series, and the request counter
  // has no 5xx series before the first 5xx: Grafana then shows "No data" where 0 is meant. Each
  // 5xx panel is evaluated by promtool (Grafana's variables filled in) on three histories.
  it('the 5xx ratio panels show 0 before the first 5xx and without traffic, and the ratio after', () => {
    const panels = dashboardExprs().filter((e) => /5xx/.test(e.where));
    assert.ok(panels.length >= 2, panels.map((p) => p.where).join(', '));
    const metric = 'streamcell_ingest_request_duration_seconds_count';
    // One sample a minute: 180 per minute is 3 requests/s, 60 is 1/s.
    const ok = { series: `${metric}{service="ingest",route="/v1/events",status="200"}`, values: '0+180x10' };
    const failed = { series: `${metric}{service="ingest",route="/v1/events",status="503"}`, values: '0+60x10' };
    const histories: [string, { series: string; values: string }[], number][] = [
      ['only 2xx', [ok], 0],
      ['no requests at all', [], 0],
      ['one request in four a 5xx', [ok, failed], 0.25],
    ];
    const tests = histories.map(([, series, value]) => ({
      interval: '1m',
      input_series: series,
      promql_expr_test: panels.map((p) => ({
        expr: p.expr.replaceAll('$__rate_interval', '5m').replaceAll('$service', '.*'),
        eval_time: '10m',
        exp_samples: [{ labels: '{}', value }],
      })),
    }));
    const dir = mkdtempSync(join(tmpdir(), 'streamcell-promtool-'));
    try {
      // JSON is YAML: the expressions need no quoting rules of their own.
      writeFileSync(join(dir, 'panels.test.yaml'), JSON.stringify({ evaluation_interval: '1m', tests }, null, 2));
      const r = promtool(['test', 'rules', join(dir, 'panels.test.yaml')]);
      assert.ok(r.ok, `${histories.map(([name]) => name).join(' / ')}:\n${r.output}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a broken rule (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamcell-promtool-'));
    try {
      const [first] = ruleFiles;
      assert.ok(first);
      copyFileSync(first, join(dir, 'ok.yaml'));
      writeFileSync(join(dir, 'bad.yaml'), readFileSync(first, 'utf8').replace('streamcell_inference_model_version == 0', 'streamcell_inference_model_version == (0'));
      assert.equal(promtool(['check', 'rules', join(dir, 'bad.yaml')]).ok, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
