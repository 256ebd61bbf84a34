#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx prescale ...` works from a checkout without a build
// step. Signals (SIGTERM from Kubernetes, Ctrl-C) are passed on to the CLI, and its exit code back.
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');
const entry = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
const child = spawn(process.execPath, [require.resolve('tsx/cli'), entry, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code === null ? (signal === 'SIGTERM' || signal === 'SIGINT' ? 0 : 1) : code));
