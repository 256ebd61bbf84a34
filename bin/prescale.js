#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx prescale ...` works from a checkout without a build step.
'use strict';
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const entry = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
const tsx = require.resolve('tsx/cli');
const r = spawnSync(process.execPath, [tsx, entry, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
