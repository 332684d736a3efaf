import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deployDir, root } from './support';

// No Docker engine here: the Dockerfile is checked by reading it. npm (11.16 on) honours
// package.json's allowScripts in `npm rebuild` as in `npm ci`, and skips a blocked package's
// install script without an error, so a stage that rebuilds such a package to run its script
// (ONNX Runtime's CUDA download) would silently do nothing.

const dockerfile = readFileSync(join(deployDir, 'docker', 'Dockerfile'), 'utf8');
const allowScripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};

/** RUN instructions with their continuation lines joined. */
function runs(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => /^RUN\s/.test(line));
}

describe('deploy/docker/Dockerfile', () => {
  it('never relies on `npm rebuild` for a package whose install script allowScripts blocks', () => {
    const blocked = Object.keys(allowScripts).filter((pkg) => allowScripts[pkg] === false);
    for (const run of runs(dockerfile)) {
      for (const m of run.matchAll(/npm (?:rebuild|rb)\b([^&|;]*)/g)) {
        // Flags skipped; a rebuild with no package named rebuilds them all, the blocked ones included.
        const named = m[1].trim().split(/\s+/).filter((a) => a !== '' && !a.startsWith('-'));
        for (const pkg of named.length > 0 ? named : blocked) assert.ok(!blocked.includes(pkg), `${run}\n${pkg}'s script is blocked by allowScripts: npm rebuild would skip it`);
      }
    }
  });

  it('runs ONNX Runtime\'s CUDA install in the GPU stage and checks its result', () => {
    const gpu = runs(dockerfile.slice(dockerfile.indexOf('AS prod-deps-gpu')));
    const install = gpu.find((r) => r.includes('ONNXRUNTIME_NODE_INSTALL=cuda12'));
    assert.ok(install, 'no CUDA install in the GPU stage');
    assert.match(install, /node node_modules\/onnxruntime-node\/script\/install/);
    assert.match(install, /test -f \S*libonnxruntime_providers_cuda\.so/);
  });
});
