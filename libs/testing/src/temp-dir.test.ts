import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

describe('tempDir', () => {
  it('makes a directory that lives until its process exits, then is gone with its contents', () => {
    // A process of its own, as `node --test` gives each test file.
    const child = `
      const { writeFileSync, existsSync } = require('node:fs');
      const { tempDir } = require(${JSON.stringify(join(__dirname, 'temp-dir.ts'))});
      const dir = tempDir('sc-temp-dir-test-');
      writeFileSync(dir + '/file', 'x');
      process.stdout.write(JSON.stringify({ dir, existed: existsSync(dir + '/file') }));`;
    const out = execFileSync(process.execPath, ['-r', join(root, 'scripts/register.cjs'), '-e', child], { cwd: root, encoding: 'utf8' });
    const { dir, existed } = JSON.parse(out) as { dir: string; existed: boolean };
    assert.equal(existed, true);
    assert.equal(existsSync(dir), false, `${dir} is still there`);
  });
});
