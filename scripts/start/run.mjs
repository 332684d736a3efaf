#!/usr/bin/env node
// `npm start`: the whole system on this machine. Like `npm test`, the only command a fresh clone
// needs: it installs npm packages when missing, then runs scripts/start/system.ts (broker, topics,
// the three services, a workload generator and an alert printer). Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeModules } from '../lib/deps.mjs';
import { ensureSupportedNode } from '../lib/node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
await ensureSupportedNode(root, fileURLToPath(import.meta.url), process.argv.slice(2));
ensureNodeModules(root);
const child = spawn(process.execPath, ['-r', './scripts/register.cjs', 'scripts/start/system.ts', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
// The orchestrator handles Ctrl-C itself (it shuts the services and the broker down in order); a
// Ctrl-C already reaches it through the process group, a SIGTERM sent to this process alone does not.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
