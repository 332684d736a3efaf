// Installs npm packages when node_modules is missing or older than package.json/package-lock.json
// (a hash stamp in node_modules), and does nothing otherwise. Shared by `npm test` and `npm start`,
// which are the only commands a fresh clone needs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function ensureNodeModules(root) {
  const h = createHash('sha256').update(readFileSync(join(root, 'package.json'))).update(readFileSync(join(root, 'package-lock.json')));
  // patches/ are applied by the postinstall script (patch-package): a changed patch needs a reinstall too.
  const patches = join(root, 'patches');
  if (existsSync(patches)) for (const f of readdirSync(patches).sort()) h.update(f).update(readFileSync(join(patches, f)));
  const hash = h.digest('hex');
  const stamp = join(root, 'node_modules', '.streamcell-deps');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  process.stdout.write('\n== installing npm packages (node_modules missing or stale)\n');
  // Dependency install scripts are off (package.json allowScripts: none is needed — onnxruntime-node's
  // would fetch CUDA files from outside the npm registry, the CPU binaries ship in the package; the
  // others build optional native speed-ups or check for prebuilt binaries that npm already chose).
  // npm releases that predate allowScripts run them anyway: ONNXRUNTIME_NODE_INSTALL=skip, the
  // variable onnxruntime-node's script/install-utils.js reads, keeps that one offline there too.
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit', cwd: root, env: { ONNXRUNTIME_NODE_INSTALL: 'skip', ...process.env } });
  if (r.status !== 0) throw new Error('npm ci failed');
  writeFileSync(stamp, hash);
}
