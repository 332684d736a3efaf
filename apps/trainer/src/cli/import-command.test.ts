import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeBundle, importModelFile } from '@streamcell/model';
import { ModelFileError, runOfflineImport } from './import-command';

const ZOO = join(__dirname, '../../../../libs/model/fixtures/zoo');
const dir = mkdtempSync(join(tmpdir(), 'import-command-'));

async function run(file: string, options: { dryRun: boolean; out?: string; json?: boolean }): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runOfflineImport(file, { name: 'zoo', dryRun: options.dryRun, out: options.out, json: options.json ?? false }, { out: (t) => (out += t) });
  return { code, out };
}

describe('streamcell model import --dry-run / --out (no Kafka)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('dry-runs a Keras 3 mixed stack: spec, every engine built, parity within 1e-5', async () => {
    const { code, out } = await run(join(ZOO, 'k3_mixed_3_layers_keras', 'model.keras'), { dryRun: true });
    assert.equal(code, 0, out);
    assert.match(out, /keras model, gru 5 \(tanh\/sigmoid, reset_after\) → simple 4 \(relu\) → lstm 4 \(tanh\/hard_sigmoid_keras3\) → dense 2/);
    assert.match(out, /^spec: \{/m);
    for (const engine of ['onnx', 'tfjs-cpu', 'tfjs-wasm']) assert.match(out, new RegExp(`^  ${engine} +\\S+ ok$`, 'm'));
    assert.match(out, /dry run: nothing published/);
  });

  it('writes a PyTorch import to a bundle file that decodes to the same weights', async () => {
    const file = join(ZOO, 'pt_gru_2_no_bias', 'model.safetensors');
    const target = join(dir, 'gru.scwb');
    const { code, out } = await run(file, { dryRun: false, out: target, json: true });
    assert.equal(code, 0);
    const report = JSON.parse(out) as { format: string; out: string; parity?: unknown };
    assert.equal(report.format, 'safetensors');
    assert.equal(report.parity, undefined);
    const written = decodeBundle(readFileSync(target));
    const direct = (await importModelFile(file)).bundle;
    assert.equal(written.name, 'zoo');
    assert.deepEqual(written.spec, direct.spec);
    for (const [name, t] of direct.tensors) assert.deepEqual(written.tensors.get(name), t, name);
  });

  it('fails with the reason for unreadable and unsupported files', async () => {
    await assert.rejects(run(join(dir, 'missing.keras'), { dryRun: true }), (e: unknown) => e instanceof ModelFileError && /cannot read .*missing.keras/.test(e.message));
    const garbage = join(dir, 'model.pt');
    writeFileSync(garbage, Buffer.from([0x80, 0x02, 0x63]));
    await assert.rejects(run(garbage, { dryRun: true }), /cannot import .*model.pt: cannot tell what model.pt is/);
    const badJson = join(dir, 'model.json');
    writeFileSync(badJson, '{');
    await assert.rejects(run(badJson, { dryRun: true }), /cannot read .*model\.json: not valid JSON/);
  });
});
