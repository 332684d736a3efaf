import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { deployDir, kustomize, render, root } from './support';
import { imageSetting, isWorkload, kustomizations, podOf, version } from './workloads';

// One image reference for every manifest, set in one place (deploy/k8s/components/image), and the
// same in compose and the docs; an operator's own registry is one `kustomize edit set image` away.

describe('the image reference', () => {
  it('is set in components/image only, and the tags follow package.json', () => {
    const withImages = kustomizations().filter((f) => 'images' in ((parse(readFileSync(join(deployDir, 'k8s', f), 'utf8')) ?? {}) as object));
    assert.deepEqual(withImages, [join('components', 'image', 'kustomization.yaml')]);
    assert.deepEqual(
      imageSetting().map((i) => [i.name, `${i.newName}:${i.newTag}`]),
      [['streamcell', `ghcr.io/streamcell/streamcell:${version}`], ['streamcell-gpu', `ghcr.io/streamcell/streamcell:${version}-gpu`]],
    );
  });

  it('is the same in deploy/compose.yaml and docs/deploy.md', () => {
    const compose = parse(readFileSync(join(deployDir, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, { image?: string; build?: unknown }> };
    const built = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
    assert.ok(built.length >= 4);
    for (const [name, s] of built) assert.equal(s.image, `ghcr.io/streamcell/streamcell:${version}`, `compose ${name}`);
    const docs = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
    const tags = [...docs.matchAll(/ -t (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(tags, [`ghcr.io/streamcell/streamcell:${version}`, `ghcr.io/streamcell/streamcell:${version}-gpu`], 'docker build -t in docs/deploy.md');
  });

  // What docs/deploy.md tells an operator to run, in an overlay of their own on top of ours.
  it('moves to another registry with one `kustomize edit set image`, keeping both tags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamcell-kustomize-'));
    try {
      const overlay = join(deployDir, 'k8s', 'overlays', 'gpu');
      writeFileSync(join(dir, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${relative(dir, overlay)}\n`);
      const edit = ['ghcr.io/streamcell/streamcell=registry.example.com/team/streamcell'];
      const { cmd, args } = kustomize();
      if (args[0] === 'build') {
        const r = spawnSync(cmd, ['edit', 'set', 'image', ...edit], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
        assert.equal(r.status, 0, r.stderr);
      } else {
        // kubectl has no `edit`: write what `kustomize edit set image` writes.
        writeFileSync(join(dir, 'kustomization.yaml'), `${readFileSync(join(dir, 'kustomization.yaml'), 'utf8')}images:\n  - name: ghcr.io/streamcell/streamcell\n    newName: registry.example.com/team/streamcell\n`);
      }
      const images = render(dir)
        .filter((o) => isWorkload(o) || o.kind === 'Job')
        .flatMap((o) => podOf(o).containers.map((c) => c.image));
      assert.deepEqual([...new Set(images)].sort(), [`registry.example.com/team/streamcell:${version}`, `registry.example.com/team/streamcell:${version}-gpu`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
