#!/usr/bin/env node
// `streamcell model list|import|export|rollback|inspect` (apps/trainer/src/cli) and
// `streamcell generate …` (scripts/cli/generate.ts). Runs the TypeScript sources through the
// repository's SWC loader (scripts/register.cjs).
require('../scripts/register.cjs');

const [command, ...rest] = process.argv.slice(2);
if (command === 'generate') {
  const { runGenerate } = require('../scripts/cli/generate.ts');
  runGenerate(rest, (line) => process.stdout.write(`${line}\n`)).then((code) => {
    process.exitCode = code;
  });
} else {
  require('../apps/trainer/src/cli/main.ts');
}
