import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../../../..');

// In a child process: this one may already have loaded ONNX Runtime with another environment.
const script = `
const { createBundle, StreamingModel } = require(${JSON.stringify(resolve(__dirname, '../../index.ts'))});
(async () => {
  const bundle = createBundle({ name: 't', spec: { cell: 'gru', layers: [4], inputWidth: 2, head: { units: 2 } }, init: { seed: 1 } });
  const model = await StreamingModel.create({ bundle, engine: { kind: 'onnx' }, capacity: 4 });
  await model.step(['a'], new Float32Array([0.1, 0.2]), 1);
  await model.dispose();
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('onnx engine', () => {
  it('leaves no mat-debug-<pid>.log (ONNX Runtime telemetry) in TMPDIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamcell-ort-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: dir };
      delete env['ORT_DISABLE_TELEMETRY'];
      const r = spawnSync(process.execPath, ['-r', join(root, 'scripts/register.cjs'), '-e', script], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('mat-debug-') || f === '.ses'), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
