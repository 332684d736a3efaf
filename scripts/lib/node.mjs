// `npm test` and `npm start` need a supported Node.js (package.json "engines"). When they are run by
// an older one (a distribution's Node 20, say), they fetch the pinned Node binary from the npm
// registry once — the `node-<os>-<arch>` packages ship the official binary itself, so this needs only
// the registry npm already uses, no nodejs.org download — into the cache (STREAMCELL_CACHE,
// default ~/.cache/streamcell) and run again under it, with it first on PATH so every child `node`
// and `npm` uses it too. STREAMCELL_NODE_FETCH=0 turns the fetch off (then an old Node is an error).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** The Node.js fetched when the running one is too old: the current Active LTS line. */
export const pinnedNode = '24.22.3';

/** The lowest version package.json's engines field accepts (">=X.Y" or ">=X.Y.Z"). */
export function minimumNode(root) {
  const range = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node ?? '';
  const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!m) throw new Error(`package.json engines.node must read ">=X.Y[.Z]" (got ${JSON.stringify(range)})`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

export function satisfies(version, minimum) {
  const v = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== minimum[i]) return (v[i] ?? 0) > minimum[i];
  return true;
}

function fetchNode(cacheRoot) {
  const os = process.platform === 'win32' ? 'win' : process.platform;
  const pkg = `node-${os}-${process.arch}@${pinnedNode}`;
  const dir = join(cacheRoot, `node-v${pinnedNode}-${os}-${process.arch}`);
  const bin = join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (existsSync(bin)) return bin;
  process.stdout.write(`\n== fetching Node.js ${pinnedNode} (npm package ${pkg}) into ${dir}\n`);
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const packed = spawnSync('npm', ['pack', pkg, '--silent', '--pack-destination', partial], { cwd: partial, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (packed.status !== 0) return undefined;
  const tarball = join(partial, packed.stdout.trim().split('\n').at(-1));
  if (spawnSync('tar', ['xzf', tarball, '-C', partial, '--strip-components=1'], { stdio: 'inherit' }).status !== 0) return undefined;
  rmSync(tarball, { force: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return existsSync(bin) ? bin : undefined;
}

/**
 * Resolves at once when this process runs a supported Node. Otherwise runs `script` with `args`
 * under a fetched one and exits with its status when it ends (the promise never resolves), or exits
 * 1 saying what to install.
 */
export function ensureSupportedNode(root, script, args) {
  const minimum = minimumNode(root);
  if (satisfies(process.version, minimum)) return Promise.resolve();
  const wanted = `>=${minimum.join('.')}`;
  const bin = process.env.STREAMCELL_NODE_FETCH === '0' ? undefined : fetchNode(join(process.env.STREAMCELL_CACHE ?? join(homedir(), '.cache', 'streamcell')));
  if (bin === undefined) {
    process.stderr.write(
      `streamcell needs Node.js ${wanted} (package.json engines); this is ${process.version}.\n` +
        `Install Node.js 22 or 24 (https://nodejs.org), or let npm fetch it: npx -y node@${pinnedNode.split('.')[0]} --version\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`== Node.js ${process.version} is older than ${wanted}; running under ${bin}\n`);
  const env = { ...process.env, PATH: `${dirname(bin)}${delimiter}${process.env.PATH ?? ''}` };
  const child = spawn(bin, [script, ...args], { stdio: 'inherit', env });
  // Ctrl-C reaches the child through the process group and it stops in order (broker included);
  // a SIGTERM sent to this process alone is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
  return new Promise(() => undefined);
}
