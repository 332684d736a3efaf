import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
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
