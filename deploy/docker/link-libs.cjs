#!/usr/bin/env node
// Image build step: makes each tsconfig path alias (@streamcell/config -> libs/config/src/index.ts)
// resolvable by plain Node from the tsc output, by writing node_modules/@streamcell/<name>/package.json
// whose "main" points at the compiled file (dist/libs/config/src/index.js). tsc does not rewrite
// aliases; this keeps the compiled code exactly as tsc wrote it.
//
// Usage: node deploy/docker/link-libs.cjs <root>   (reads <root>/tsconfig.json, writes <root>/node_modules)
'use strict';
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, posix, relative } = require('node:path');

const root = process.argv[2] ?? process.cwd();
const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
const paths = compilerOptions.paths ?? {};
for (const [alias, [target]] of Object.entries(paths)) {
  if (!alias.startsWith('@streamcell/') || alias.includes('*')) continue;
  const pkgDir = join(root, 'node_modules', ...alias.split('/'));
  const compiled = posix.join('dist', target.replace(/\.ts$/, '.js'));
  mkdirSync(pkgDir, { recursive: true });
  const main = relative(pkgDir, join(root, compiled)).split('\\').join('/');
  writeFileSync(join(pkgDir, 'package.json'), `${JSON.stringify({ name: alias, private: true, main }, null, 2)}\n`);
  process.stdout.write(`${alias} -> ${compiled}\n`);
}
