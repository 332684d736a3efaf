#!/usr/bin/env node
// Container entry point: runs one streamcell process, chosen by STREAMCELL_APP or the first
// argument. The rest of the arguments go to that process (e.g. `model list`).
//
//   ingest | inference | trainer | alerts    the services (ports 8080 / 8081 / 8082 / 8083)
//   create-topics                   create / verify every topic, then exit (the Kubernetes Job)
//   model                           the `streamcell model` CLI (list, import, export, rollback, inspect)
'use strict';
const Module = require('node:module');
const { join } = require('node:path');

const entries = {
  ingest: 'dist/apps/ingest/src/main.js',
  inference: 'dist/apps/inference/src/main.js',
  trainer: 'dist/apps/trainer/src/main.js',
  alerts: 'dist/apps/alerts/src/main.js',
  'create-topics': 'dist/scripts/kafka/create-topics.js',
  model: 'dist/apps/trainer/src/cli/main.js',
};

const args = process.argv.slice(2);
const fromArg = args[0] !== undefined && Object.hasOwn(entries, args[0]);
const app = fromArg ? args[0] : process.env.STREAMCELL_APP;
if (app === undefined || app === '' || !Object.hasOwn(entries, app)) {
  process.stderr.write(
    `streamcell: STREAMCELL_APP=${JSON.stringify(app ?? '')} is not valid (expected one of ${Object.keys(entries).join(' | ')}, ` +
      'or pass it as the first argument)\n',
  );
  process.exit(78); // EX_CONFIG, as the services' own configuration errors
}
// The model CLI reads process.argv itself and expects the `model` group word first, as with
// `npx streamcell model list`.
const rest = fromArg ? args.slice(1) : args;
const main = join(__dirname, entries[app]);
process.argv = [process.argv[0], main, ...(app === 'model' ? ['model', ...rest] : rest)];
// Run it as the main module, exactly as `node <file>` would (its require.main === module checks hold).
Module.runMain(main);
